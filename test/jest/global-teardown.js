// Stops the control plane global-setup.js started.
export default async function globalTeardown() {
  const controlPlane = globalThis.__tideControlPlane;
  if (controlPlane !== undefined) await controlPlane.stop();
}
