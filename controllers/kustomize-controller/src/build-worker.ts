/**
 * A build worker process: renders the Kustomizations the build pool sends it, one at a
 * time, and sends back their objects or their error as data. It reads only the artifact's
 * files (and remote bases when allowed); whatever it costs in CPU or memory stays in this
 * process, which the pool kills when a task passes its limits.
 */
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { sha256Digest } from '@tide/artifact';
import { renderWithVariables } from '@tide/kustomization';
import { errorData, type BuildReply, type BuildTask, type WorkerReady } from './build-task.js';

const send = process.send?.bind(process);
if (send === undefined) throw new Error('build-worker.js runs only as a worker of the build pool');
// The controller went away (even by SIGKILL): nobody waits for this build, and nobody
// else will remove this worker's TMPDIR (the pool made it for this worker alone).
process.on('disconnect', () => {
  const tmp = process.env.TMPDIR;
  if (tmp !== undefined && basename(tmp).startsWith('tide-build-worker-'))
    rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
});

async function render(task: BuildTask): Promise<BuildReply> {
  try {
    const objects = await renderWithVariables(task.obj, task.dir, task.variables, {
      strictSubstitutions: task.strictSubstitutions,
      remoteBases: task.remoteBases,
      confinementRoot: task.confinementRoot,
    });
    const digest = sha256Digest(Buffer.from(JSON.stringify(objects)));
    return { id: task.id, ok: true, output: { objects, digest } };
  } catch (error) {
    return { id: task.id, ok: false, error: errorData(error) };
  }
}

process.on('message', (task: BuildTask) => {
  void render(task).then((reply) => {
    send(reply);
  });
});
send({ ready: true } satisfies WorkerReady);
