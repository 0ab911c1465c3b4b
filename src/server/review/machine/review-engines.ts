import type { FaceEngine } from '../../../engines/face/face-engine.js';
import { WorkerFaceEngine } from '../../../engines/face/worker-face-engine.js';
import { SherpaSpeechEngine } from '../../../engines/speech/sherpa-speech-engine.js';
import type { SpeechEngine } from '../../../engines/speech/speech-engine.js';
import type { Logger } from '../../../platform/log.js';
import type { ReviewEngines } from './machine-reviewer.js';

/**
 * The server's engines, shared by the machine review and the screenshot sampler: face-api in a
 * worker thread (so models never block the HTTP event loop) and sherpa-onnx when `kwsModelDir` is
 * configured. Made on first use; a failed start is retried at the next use.
 */
export class ServerEngines implements ReviewEngines {
  private faceEngine: Promise<FaceEngine> | null = null;
  private speechEngine: SpeechEngine | null = null;
  private closed = false;

  constructor(
    private readonly kwsModelDir: string | undefined,
    private readonly log: Logger,
  ) {}

  face(): Promise<FaceEngine> {
    if (this.closed) return Promise.reject(new Error('the review engines are closed'));
    this.faceEngine ??= WorkerFaceEngine.create().catch((err: unknown) => {
      this.faceEngine = null;
      throw err;
    });
    return this.faceEngine;
  }

  async speech(): Promise<SpeechEngine | { unavailable: string; failed: boolean }> {
    if (!this.kwsModelDir) return { unavailable: 'no speech model is configured (machineReview.kwsModelDir)', failed: false };
    if (this.speechEngine) return this.speechEngine;
    try {
      this.speechEngine = SherpaSpeechEngine.create({ kwsModelDir: this.kwsModelDir });
      return this.speechEngine;
    } catch (err) {
      this.log.error({ err, kwsModelDir: this.kwsModelDir }, 'speech engine cannot start');
      return { unavailable: `the speech engine cannot start: ${(err as Error).message}`, failed: true };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A face engine that failed to start was reported to the caller that asked for it.
    const face = await this.faceEngine?.catch((err: unknown) => {
      this.log.debug({ err }, 'face engine had not started');
      return null;
    });
    await face?.close();
    await this.speechEngine?.close();
  }
}
