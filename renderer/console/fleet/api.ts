// The fleet page's calls to the server, on the consoles' shared client (token in memory, every
// response validated against src/protocol).
import type { z } from 'zod';
import { BoothConfigResponse, ConfigLayerView, FleetListResponse, type FleetListQuery, type FleetSettings } from '../../../src/protocol/fleet.js';
import { BranchList, EnrollmentCodeResponse } from '../../../src/protocol/staff-api.js';
import { queryString, StaffApiClient } from '../shared/api-client.js';

export class FleetApi extends StaffApiClient {
  booths(q: FleetListQuery): Promise<z.infer<typeof FleetListResponse>> {
    return this.request('GET', `/fleet/booths${queryString(q)}`, FleetListResponse);
  }

  branches(): Promise<z.infer<typeof BranchList>> {
    return this.request('GET', '/branches', BranchList);
  }

  enrollmentCode(branchId: string): Promise<z.infer<typeof EnrollmentCodeResponse>> {
    return this.request('POST', `/branches/${encodeURIComponent(branchId)}/enrollment-codes`, EnrollmentCodeResponse, {});
  }

  boothConfig(boothId: string): Promise<z.infer<typeof BoothConfigResponse>> {
    return this.request('GET', `/fleet/config/booths/${encodeURIComponent(boothId)}`, BoothConfigResponse);
  }

  setBoothConfig(boothId: string, settings: FleetSettings): Promise<z.infer<typeof ConfigLayerView>> {
    return this.request('PUT', `/fleet/config/booths/${encodeURIComponent(boothId)}`, ConfigLayerView, { settings });
  }
}
