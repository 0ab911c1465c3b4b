import { FaceApiRuntime } from '../../src/engines/face/face-runtime.js';
import { WorkerFaceEngine } from '../../src/engines/face/worker-face-engine.js';
import { faceEngineSuite } from './face-engine.suite.js';

faceEngineSuite('face-api in a worker thread', () => WorkerFaceEngine.create());
faceEngineSuite('face-api in-process', () => FaceApiRuntime.create());
