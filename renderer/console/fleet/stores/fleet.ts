import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { BoothConfigResponse, FleetBoothView, FleetListQuery, FleetSettings } from '../../../../src/protocol/fleet.js';
import type { BranchView, EnrollmentCodeResponse } from '../../../../src/protocol/staff-api.js';
import { useStaffSession, type SignInStatus } from '../../shared/staff-session.js';
import { FleetApi } from '../api.js';

export type FleetStatus = SignInStatus;

const REFRESH_MS = 2000;

/** The fleet page: sign-in, the booth list (refreshed every 2 s), enrollment codes and booth config. */
export const useFleetStore = defineStore('fleet', () => {
  const api = new FleetApi();
  const session = useStaffSession(api, async () => {
    branches.value = (await api.branches()).branches;
    await refresh();
    session.poll(REFRESH_MS, refresh);
  });
  const { status, error, user, roles, fail, signIn, signOut } = session;
  const booths = ref<FleetBoothView[]>([]);
  const branches = ref<BranchView[]>([]);
  const filters = ref<FleetListQuery>({});
  const code = ref<EnrollmentCodeResponse | null>(null);
  const selectedId = ref<string | null>(null);
  const config = ref<BoothConfigResponse | null>(null);
  const saved = ref<number | null>(null);

  const selected = computed(() => booths.value.find((b) => b.boothId === selectedId.value) ?? null);
  const versions = computed(() => [...new Set(booths.value.map((b) => b.appVersion).filter((v): v is string => v !== null))].sort());

  async function refresh(): Promise<void> {
    try {
      booths.value = (await api.booths(filters.value)).booths;
      if (selectedId.value) config.value = await api.boothConfig(selectedId.value);
    } catch (err) {
      fail(err);
    }
  }

  async function createCode(branchId: string): Promise<void> {
    try {
      code.value = await api.enrollmentCode(branchId);
      error.value = null;
    } catch (err) {
      fail(err);
    }
  }

  async function select(boothId: string | null): Promise<void> {
    selectedId.value = boothId;
    config.value = null;
    saved.value = null;
    if (boothId) await refresh();
  }

  async function saveConfig(settings: FleetSettings): Promise<void> {
    if (!selectedId.value) return;
    try {
      saved.value = (await api.setBoothConfig(selectedId.value, settings)).version;
      error.value = null;
      await refresh();
    } catch (err) {
      fail(err);
    }
  }

  return { status, error, user, roles, booths, branches, filters, code, selected, config, saved, versions, signIn, signOut, refresh, createCode, select, saveConfig };
});
