import type { CustomerQuery, CustomerSummary, FaceCheckResult, ProductOffer, SpeechCheckResult } from '../../protocol/kiosk-flow.js';

/**
 * What the kiosk flow needs from parts built elsewhere (docs/ARCHITECTURE.md, "Kiosk flow: seams"):
 * - `CustomerLookup` and `ProductSource`: the booth catalogue of issue 5 (catalogue-customers.ts,
 *   catalogue-products.ts) over the booth config's lists (customers.ts, products.ts);
 * - `FaceCheckEngine` and `SpeechCheckEngine`: issue 7's checks through checks-adapter.ts, attached
 *   with `KioskFlowService.attachEngines` when `checks.kiosk` is on. Without an engine, staff
 *   decide the check by hand and the timeline says so (`source: 'staff'`).
 */

export interface CustomerLookup {
  /**
   * The customer, or null when no customer has this identifier. Throws DependencyError when the
   * directory cannot be reached (the cache then answers, if it can).
   */
  find(query: CustomerQuery): Promise<CustomerSummary | null>;
}

export interface ProductSource {
  /** Products offered to this customer, in display order. */
  offers(customer: CustomerSummary): Promise<ProductOffer[]>;
  /** One product as offered (any customer), or null. */
  offer(productId: string): Promise<ProductOffer | null>;
  /** Absolute path of the product's disclosure video on this booth (fetched or made when missing). NotFoundError if unknown. */
  disclosureFile(productId: string): Promise<string>;
  /** Starts fetching or making the disclosure videos in the background (called when a flow starts). */
  prepare?(): void;
}

export interface FaceCheckRequest {
  sessionId: string;
  customer: CustomerSummary;
  /** The chosen product's confirmation phrases (an engine may prepare its speech check with them). */
  phrases: ProductOffer['phrases'];
  attempt: number;
}

export interface SpeechCheckRequest {
  sessionId: string;
  phrases: ProductOffer['phrases'];
  attempt: number;
  /** Seconds the customer has to say the phrases. */
  windowSec: number;
}

/**
 * Verifies the live face (the recorder's face tap) against the customer's enrolled face. Resolves
 * with the decision (`source: 'engine'`) or rejects; `signal` aborts when the flow moves on (staff
 * decided, the session was aborted).
 */
export interface FaceCheckEngine {
  readonly name: string;
  verify(req: FaceCheckRequest, signal: AbortSignal): Promise<FaceCheckResult>;
}

/** Listens (the recorder's PCM tap) for the confirmation phrases; same contract as FaceCheckEngine. */
export interface SpeechCheckEngine {
  readonly name: string;
  listen(req: SpeechCheckRequest, signal: AbortSignal): Promise<SpeechCheckResult>;
}

export interface CheckEngines {
  face?: FaceCheckEngine;
  speech?: SpeechCheckEngine;
}
