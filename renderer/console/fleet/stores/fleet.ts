import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { BoothConfigResponse, FleetBoothView, FleetListQuery, FleetSettings } from '../../../../src/protocol/fleet.js';
import type { StaffRole } from '../../../../src/protocol/staff.js';
import type { BranchView, EnrollmentCodeResponse } from '../../../../src/protocol/staff-api.js';
import { FleetApi } from '../api.js';

export type FleetStatus = 'signed-out' | 'signing-in' | 'ready';

const REFRESH_MS = 2000;

/** The fleet page: sign-in, the booth list (refreshed every 2 s), enrollment codes and booth config. */
export const useFleetStore = defineStore('fleet', () => {
  const api = new FleetApi();
  const status = ref<FleetStatus>('signed-out');
  const error = ref<string | null>(null);
  const user = ref<string | null>(null);
  const roles = ref<StaffRole[]>([]);
  const booths = ref<FleetBoothView[]>([]);
  const branches = ref<BranchView[]>([]);
  const filters = ref<FleetListQuery>({});
  const code = ref<EnrollmentCodeResponse | null>(null);
  const selectedId = ref<string | null>(null);
  const config = ref<BoothConfigResponse | null>(null);
  const saved = ref<number | null>(null);
  let timer: ReturnType<typeof setInterval> | null = null;

  const selected = computed(() => booths.value.find((b) => b.boothId === selectedId.value) ?? null);
  const versions = computed(() => [...new Set(booths.value.map((b) => b.appVersion).filter((v): v is string => v !== null))].sort());

  function fail(err: unknown): void {
    error.value = err instanceof Error ? err.message : String(err);
    if (!api.signedIn) stop();
  }

  async function signIn(username: string, password: string): Promise<void> {
    status.value = 'signing-in';
    error.value = null;
    try {
      const res = await api.login(username, password);
      user.value = res.principal.username;
      roles.value = res.principal.roles;
      branches.value = (await api.branches()).branches;
      status.value = 'ready';
      await refresh();
      timer = setInterval(() => void refresh(), REFRESH_MS);
    } catch (err) {
      status.value = 'signed-out';
      fail(err);
    }
  }

  function stop(): void {
    if (timer) clearInterval(timer);
    timer = null;
    status.value = 'signed-out';
  }

  function signOut(): void {
    api.logout().catch((err: unknown) => (error.value = (err as Error).message));
    user.value = null;
    roles.value = [];
    stop();
  }

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
