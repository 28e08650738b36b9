import { createRequire } from 'node:module';
import path from 'node:path';

// CommonJS loading keeps one TensorFlow.js instance: face-api's node-wasm build requires
// '@tensorflow/tfjs' itself, and an ESM import could load a second copy with its own backend.
const require = createRequire(import.meta.url);

export type Tf = typeof import('@tensorflow/tfjs');
// face-api ships no types for its node-wasm build that match this tfjs instance.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FaceApi = any;

/** Backend names as configured, in the order `auto` tries them. */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

export interface Tensorflow {
  tf: Tf;
  faceapi: FaceApi;
  /** The backend actually in use. */
  backend: BackendName;
}

/**
 * Loads TensorFlow.js on the preferred backend, falling back in the order of BACKEND_PREFERENCE
 * when `preferred` is 'auto'. The native packages (tfjs-node-gpu, tfjs-node) are optional
 * dependencies: they are used only when installed and working.
 */
export async function loadTensorflow(preferred: string): Promise<Tensorflow> {
  const candidates: BackendName[] = preferred === 'auto' ? [...BACKEND_PREFERENCE] : [preferred as BackendName];
  const failures: string[] = [];

  for (const candidate of candidates) {
    try {
      const tf = await activate(candidate);
      const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
      return { tf, faceapi, backend: candidate };
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could start (${failures.join('; ')}).`);
}

async function activate(backend: BackendName): Promise<Tf> {
  if (backend === 'tensorflow-gpu') {
    require('@tensorflow/tfjs-node-gpu');
  } else if (backend === 'tensorflow') {
    require('@tensorflow/tfjs-node');
  }

  const tf: Tf = require('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    // The .wasm binaries ship in the package; never let it fetch them from a CDN.
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  }

  const name = backend === 'tensorflow-gpu' ? 'tensorflow' : backend;
  if (!(await tf.setBackend(name))) {
    throw new Error(`tf.setBackend('${name}') failed`);
  }
  await tf.ready();
  return tf;
}

/** Folder of the face-api weights (detector, landmarks, recognition trunk) shipped in its npm package. */
export function faceApiModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}
