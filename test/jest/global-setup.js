// Starts one control plane for the whole jest run (with every CRD in crds/ installed) and
// tells the test workers where it is. Set TIDE_NO_CONTROL_PLANE=1 to run unit tests alone.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, sharedControlPlaneEnv } from '@tide/harness';

export default async function globalSetup() {
  if (process.env.TIDE_NO_CONTROL_PLANE === '1') return;
  const controlPlane = await startControlPlane({ crds: true });
  globalThis.__tideControlPlane = controlPlane;
  const infoFile = join(controlPlane.kubeconfigPath, '..', 'shared.json');
  await writeFile(
    infoFile,
    JSON.stringify({
      kubeconfigPath: controlPlane.kubeconfigPath,
      server: controlPlane.server,
      connection: controlPlane.connection,
      kubernetesVersion: controlPlane.kubernetesVersion,
      userIssuer: controlPlane.userIssuer,
    }),
  );
  process.env[sharedControlPlaneEnv] = infoFile;
}
