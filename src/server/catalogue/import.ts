import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { definitionSha256 } from '../../core/catalogue.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import {
  ConfirmationPhraseInput,
  ContentMime,
  CreateProductRequest,
  MediaStep,
  PhraseId,
  TextStep,
  VersionDefinitionInput,
  type DisclosureStep,
  type ProductVersion,
} from '../../protocol/catalogue.js';
import { hashFile } from '../storage/fs-blob-store.js';
import { completeDefinition, type CatalogueService } from './catalogue-service.js';
import type { ContentService } from './content-service.js';

const RelativeFile = z
  .string()
  .min(1)
  .max(255)
  .refine((p) => !isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'a content file is a path inside the import folder (no absolute path, no ..)');

const ImportMediaStep = MediaStep.omit({ content: true }).extend({ file: RelativeFile, mime: ContentMime });

/** `<dir>/catalogue.json`: products whose media steps name files in the folder instead of hashes. */
export const CatalogueImportFile = z.strictObject({
  format: z.literal(1),
  products: z
    .array(
      CreateProductRequest.extend({
        /** Publish the imported version (default), or leave it a draft. */
        publish: z.boolean().default(true),
        definition: z.strictObject({
          steps: z.array(z.union([ImportMediaStep, TextStep])).min(1).max(50),
          phrases: z.array(ConfirmationPhraseInput).min(1).max(10),
          finalPhraseIds: z.array(PhraseId).min(1).max(10),
          notes: z.string().max(2000).optional(),
        }),
      }),
    )
    .min(1)
    .max(1000),
});
export type CatalogueImportFile = z.input<typeof CatalogueImportFile>;

export interface ImportResult {
  productId: string;
  version: number;
  status: ProductVersion['status'];
  /** False when an identical version was there already. */
  created: boolean;
}

/**
 * Imports `<dir>/catalogue.json`: creates or updates each product, uploads its content files
 * (checked like any upload), and creates and publishes a version unless an identical one exists.
 * Running it twice changes nothing the second time.
 */
export async function importCatalogue(dir: string, svc: { catalogue: CatalogueService; content: ContentService }, actor: string): Promise<ImportResult[]> {
  const root = resolve(dir);
  const path = join(root, 'catalogue.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('import.no_file', `${path} does not exist`);
    throw new ValidationError('import.bad_json', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  const file = parseOrThrow(CatalogueImportFile, raw, `import file ${path}`);
  const results: ImportResult[] = [];
  for (const p of file.products) {
    const existing = await svc.catalogue.getProduct(p.id).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });
    if (!existing) await svc.catalogue.createProduct(actor, { id: p.id, name: p.name, retentionClass: p.retentionClass });
    else if (JSON.stringify(existing.product.name) !== JSON.stringify(p.name) || existing.product.retentionClass !== p.retentionClass) {
      await svc.catalogue.updateProduct(actor, p.id, { name: p.name, retentionClass: p.retentionClass });
    }
    const steps: DisclosureStep[] = [];
    for (const s of p.definition.steps) {
      if (s.kind === 'text') {
        steps.push(s);
        continue;
      }
      const { file: rel, mime, ...rest } = s;
      const abs = resolve(root, rel);
      if (relative(root, abs).startsWith('..')) throw new ValidationError('import.bad_path', `${rel} is outside ${root}`);
      const size = (await stat(abs).catch(() => null))?.size;
      if (size === undefined) throw new NotFoundError('import.no_content', `step ${s.id}: ${abs} does not exist`);
      const sha256 = await hashFile(abs);
      await svc.content.upload(actor, sha256, mime, createReadStream(abs), size);
      steps.push({ ...rest, content: { sha256, bytes: size, mime } });
    }
    const input = parseOrThrow(VersionDefinitionInput, { ...p.definition, steps }, `definition of ${p.id}`);
    const sha = definitionSha256(completeDefinition(input));
    const same = (existing?.versions ?? []).filter((v) => v.definitionSha256 === sha && v.status !== 'retired').at(-1);
    let v: ProductVersion = same ? await svc.catalogue.getVersion(p.id, same.version) : await svc.catalogue.createVersion(actor, p.id, input);
    if (p.publish && v.status === 'draft') v = await svc.catalogue.publish(actor, p.id, v.version);
    results.push({ productId: p.id, version: v.version, status: v.status, created: !same });
  }
  return results;
}
