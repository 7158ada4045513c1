/**
 * A build worker thread: renders the Kustomizations the build pool sends it, one at a time,
 * and posts back their objects or their error as data. It reads only the artifact's files
 * (and remote bases when allowed); whatever it costs in CPU or memory stays in this thread,
 * which the pool ends when a task passes its limits.
 */
import { parentPort } from 'node:worker_threads';
import { renderWithVariables } from '@tide/kustomization';
import { errorData, type BuildReply, type BuildTask } from './build-task.js';

const port = parentPort;
if (port === null) throw new Error('build-worker.js runs only as a worker thread');

async function render(task: BuildTask): Promise<BuildReply> {
  try {
    const objects = await renderWithVariables(task.obj, task.dir, task.variables, {
      strictSubstitutions: task.strictSubstitutions,
      remoteBases: task.remoteBases,
      confinementRoot: task.confinementRoot,
    });
    return { id: task.id, ok: true, objects };
  } catch (error) {
    return { id: task.id, ok: false, error: errorData(error) };
  }
}

port.on('message', (task: BuildTask) => {
  void render(task).then((reply) => {
    port.postMessage(reply);
  });
});
