// Worker-thread entry of the throughput bench's matMul figure for several threads: times the
// same product as the main thread while every thread runs at once, and replies with its best
// single product in seconds.
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../shared/ml/backend';
import { timeMatMuls, type MatMulJob } from './matmul';

const job = workerData as MatMulJob;
void selectBackend(job.backend, () => undefined).then(() => parentPort!.postMessage(timeMatMuls(job)));
