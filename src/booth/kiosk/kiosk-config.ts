import { z } from 'zod';
import { ConfirmationPhraseView, IdNumber, KioskCustomerId, KioskStaffId, LocalizedText, TellerCode } from '../../protocol/kiosk-flow.js';
import { ProductId } from '../../protocol/ids.js';
import { FaceDescriptor } from '../../protocol/customers.js';

/**
 * The kiosk section of the booth config (`kiosk` in booth.json). Products and customers are the
 * booth's own lists, used when the catalogue (issue 5) has no playable product or does not know the
 * customer; staff PINs are stored hashed. Whether issue 7's engines decide the face and speech
 * checks is `checks.kiosk` (else staff decide them by hand, and the timeline says so).
 */

export const DisclosureSource = z.union([
  /** A video file on the booth (WebM or MP4); its duration is measured with ffprobe. */
  z.strictObject({ file: z.string().min(1) }),
  /** A calm generated test video of this many seconds (demo and tests), made with FFmpeg on first use. */
  z.strictObject({ generate: z.strictObject({ seconds: z.number().min(1).max(600) }) }),
]);
export type DisclosureSource = z.infer<typeof DisclosureSource>;

export const ProductConfig = z.strictObject({
  productId: ProductId,
  name: LocalizedText,
  riskLevel: z.string().max(16).nullable().default(null),
  disclosure: DisclosureSource,
  phrases: z.array(ConfirmationPhraseView).min(1).max(10),
});
export type ProductConfig = z.infer<typeof ProductConfig>;

export const CustomerConfig = z
  .strictObject({
    customerId: KioskCustomerId,
    name: z.string().min(1).max(100),
    idNumber: IdNumber.optional(),
    tellerCode: TellerCode.optional(),
    enrolledFace: z.boolean().default(false),
    /** The customer's enrolled face descriptors (128-d, face-api): what the face check engine compares with when `checks.kiosk` is on. */
    faceDescriptors: z.array(FaceDescriptor).min(1).max(10).optional(),
  })
  .refine((c) => c.idNumber !== undefined || c.tellerCode !== undefined, 'a customer needs an idNumber or a tellerCode');
export type CustomerConfig = z.infer<typeof CustomerConfig>;

/** `scrypt$<salt base64>$<hash base64>` as `hashStaffPin` writes it. */
export const PinHash = z.string().regex(/^scrypt\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/, 'pinHash must be scrypt$<salt>$<hash> as written by hashStaffPin');

export const StaffConfig = z.strictObject({
  staffId: KioskStaffId,
  name: z.string().min(1).max(100),
  pinHash: PinHash,
});
export type StaffConfig = z.infer<typeof StaffConfig>;

/** The built-in demo product: a generated disclosure video and one confirmation phrase. */
export const DEMO_PRODUCT: z.input<typeof ProductConfig> = {
  productId: 'demo-fund-001',
  name: { zh: '稳健增利理财计划（演示）', en: 'Steady Growth Plan (demo)' },
  riskLevel: 'R3',
  disclosure: { generate: { seconds: 20 } },
  phrases: [{ id: 'confirm-risk', text: '本人已阅读并理解产品风险，自愿购买', en: 'I have read and understood the risks and buy of my own free will' }],
};

/** A demo customer (the sample ID number of GB 11643). */
export const DEMO_CUSTOMER: z.input<typeof CustomerConfig> = {
  customerId: 'demo-customer-1',
  name: '张晓明',
  idNumber: '11010519491231002X',
  tellerCode: 'T0001',
};

export const KioskConfig = z
  .strictObject({
    products: z.array(ProductConfig).min(1).max(500).default([ProductConfig.parse(DEMO_PRODUCT)]),
    customers: z.array(CustomerConfig).max(100_000).default([CustomerConfig.parse(DEMO_CUSTOMER)]),
    staff: z.array(StaffConfig).max(1000).default([]),
    maxFaceAttempts: z.number().int().min(1).max(10).default(3),
    maxConfirmationAttempts: z.number().int().min(1).max(10).default(3),
    /** Share of the disclosure's duration the booth must measure as played before it may end. */
    minWatchedRatio: z.number().min(0.5).max(1).default(0.9),
    /** The kiosk returns to the attract screen after this long without a touch (before the recording and on the sync screen). */
    idleResetSec: z.number().min(5).max(3600).default(90),
    /** Time the customer has to read the confirmation aloud, shown as a progress bar. */
    confirmationWindowSec: z.number().min(3).max(600).default(20),
    /** Staff controls lock again after this long without a staff action. */
    staffUnlockSec: z.number().min(10).max(3600).default(300),
    /** Wrong PINs in a row before PIN entry is refused for `pinLockoutSec`. */
    maxPinFailures: z.number().int().min(1).max(20).default(5),
    pinLockoutSec: z.number().min(1).max(3600).default(60),
    /** Folder for generated and cached disclosure content; default `<dataDir>/content`. */
    contentDir: z.string().min(1).optional(),
  })
  .superRefine((k, ctx) => {
    const dup = <T>(items: T[], key: (t: T) => string | undefined, path: string) => {
      const seen = new Set<string>();
      items.forEach((it, i) => {
        const v = key(it);
        if (v === undefined) return;
        if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [path, i], message: `duplicate ${v}` });
        seen.add(v);
      });
    };
    dup(k.products, (p) => p.productId, 'products');
    dup(k.customers, (c) => c.customerId, 'customers');
    dup(k.customers, (c) => c.idNumber, 'customers');
    dup(k.customers, (c) => c.tellerCode, 'customers');
    dup(k.staff, (s) => s.staffId, 'staff');
  });
export type KioskConfig = z.infer<typeof KioskConfig>;
