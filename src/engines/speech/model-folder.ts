import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DependencyError } from '../../core/errors.js';
import type { TransducerFiles } from './sherpa.js';

export interface TransducerModel extends TransducerFiles {
  tokens: string;
  dir: string;
}

/**
 * Finds a streaming transducer model in a folder as sherpa-onnx publishes them: encoder*, decoder*
 * and joiner* .onnx files (the int8 variants preferred) and tokens.txt. Throws DependencyError
 * naming the folder and what is missing.
 */
export function findTransducerModel(dir: string, what: string): TransducerModel {
  if (!existsSync(dir)) throw new DependencyError('model.missing', `${what} model folder ${dir} does not exist (npm run models:fetch downloads the models)`);
  const files = readdirSync(dir);
  const pick = (part: string): string => {
    const all = files.filter((f) => f.startsWith(part) && f.endsWith('.onnx')).sort();
    const chosen = all.find((f) => f.includes('.int8.')) ?? all[0];
    if (!chosen) throw new DependencyError('model.incomplete', `${what} model folder ${dir} has no ${part}*.onnx`);
    return join(dir, chosen);
  };
  if (!files.includes('tokens.txt')) throw new DependencyError('model.incomplete', `${what} model folder ${dir} has no tokens.txt`);
  return { dir, encoder: pick('encoder'), decoder: pick('decoder'), joiner: pick('joiner'), tokens: join(dir, 'tokens.txt') };
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}
