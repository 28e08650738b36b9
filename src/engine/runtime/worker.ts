import { parentPort, workerData } from 'node:worker_threads';
import type { LayersModel } from '@tensorflow/tfjs';
import type { FaceObservation } from '../types.js';
import { detectFaces } from '../face/detector.js';
import { loadArtifact } from '../mmdfr/artifact.js';
import { embedActivations } from '../mmdfr/network.js';
import { trainModel } from '../mmdfr/train.js';
import { computeActivations, type Trunks } from '../mmdfr/trunk.js';
import { loadFaceres } from './faceres.js';
import type { FromWorker, Task, ToWorker, WorkerSettings } from './protocol.js';
import { faceApiModelDir, loadTensorflow, type Tensorflow } from './tensorflow.js';

/**
 * Worker thread entry: owns one TensorFlow.js backend with the face models loaded and runs
 * one task at a time. The wasm backend is single-threaded in Node, so the engine gets its
 * parallelism from several of these workers.
 */

/** Trained models kept loaded, by folder; model folders are immutable once written. */
const MODEL_CACHE_SIZE = 4;

const port = parentPort!;
const settings = workerData as WorkerSettings;
const models = new Map<string, LayersModel>();

/** Ids of running train tasks the pool asked to stop. */
const cancelled = new Set<number>();

function send(message: FromWorker): void {
  port.postMessage(message);
}

async function start(): Promise<Tensorflow & { trunks: Trunks }> {
  const runtime = await loadTensorflow(settings.backend);
  const dir = faceApiModelDir();
  await runtime.faceapi.nets.ssdMobilenetv1.loadFromDisk(dir);
  await runtime.faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
  await runtime.faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
  const faceres = await loadFaceres(runtime.tf);
  return { ...runtime, trunks: { faceapi: runtime.faceapi, faceres } };
}

async function loadModel(runtime: Tensorflow, path: string): Promise<LayersModel> {
  const cached = models.get(path);
  if (cached) {
    return cached;
  }

  const { network } = await loadArtifact(runtime.tf, path);
  models.set(path, network);
  if (models.size > MODEL_CACHE_SIZE) {
    const [oldestPath, oldest] = models.entries().next().value!;
    models.delete(oldestPath);
    oldest.dispose();
  }
  return network;
}

async function run(runtime: Tensorflow & { trunks: Trunks }, id: number, task: Task): Promise<unknown> {
  const { tf, faceapi } = runtime;

  switch (task.kind) {
    case 'detect': {
      const detections = await detectFaces(tf, faceapi, task.image, settings.minFaceScore);
      const faces: FaceObservation[] = [];
      for (const detection of detections) {
        faces.push({ ...detection, activations: await computeActivations(tf, runtime.trunks, task.image, detection.landmarks) });
      }
      return faces;
    }
    case 'embed':
      return embedActivations(tf, await loadModel(runtime, task.modelPath), task.activations);
    case 'train':
      try {
        return await trainModel(tf, runtime.backend, task.request, (progress) => {
          // Throwing here unwinds the training loops, whose finally blocks dispose their tensors.
          if (cancelled.has(id)) {
            const error = new Error('training was cancelled');
            error.name = 'AbortError';
            throw error;
          }
          send({ type: 'progress', id, progress });
        });
      } finally {
        cancelled.delete(id);
      }
    case 'memory': {
      const { numTensors, numBytes } = tf.memory();
      return { numTensors, numBytes };
    }
  }
}

try {
  const runtime = await start();
  send({ type: 'ready', backend: runtime.backend });

  // Tasks arrive one at a time from the pool; a failure is reported for that task only.
  port.on('message', async (message: ToWorker) => {
    if ('cancel' in message) {
      cancelled.add(message.cancel);
      return;
    }

    const { id, task } = message;
    try {
      send({ type: 'done', id, result: await run(runtime, id, task) });
    } catch (error) {
      const { message, name } = error as Error;
      send({ type: 'failed', id, message: message ?? String(error), name: name ?? 'Error' });
    }
  });
} catch (error) {
  send({ type: 'startFailed', message: (error as Error).message });
}
