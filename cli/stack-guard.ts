// `assay run` with no settings would connect to whatever Temporal answers on the default
// address — another checkout's stack, whose workers then run the pipeline on their code. With
// no ASSAY_TEMPORAL_ADDRESS (neither set nor written by this checkout's `assay dev up`), a
// server that answers there is not this checkout's: refuse, unless the user says --yes.
import { canConnect } from '../infra/dev/ports';
import type { Services } from '../shared/config/services';

export interface StackCheck {
  /** what to print before going on (loud: the address was not chosen) */
  readonly warning?: string;
  /** why not to go on */
  readonly refusal?: string;
}

/** `configured`: ASSAY_TEMPORAL_ADDRESS came from the environment or this checkout's .assay/env. */
export async function checkStackOwnership(services: Pick<Services, 'ASSAY_TEMPORAL_ADDRESS'>, configured: boolean, yes: boolean, reachable = isReachable): Promise<StackCheck> {
  if (configured) return {};
  const address = services.ASSAY_TEMPORAL_ADDRESS;
  if (!(await reachable(address))) return {};
  const what = `a Temporal server answers at ${address}, but this checkout has no settings (ASSAY_TEMPORAL_ADDRESS unset, no .assay/env): it is not a stack this checkout started, and its workers may run this pipeline on other code`;
  if (yes) return { warning: `!!! ${what}. Going on because of --yes. !!!` };
  return { refusal: `${what}.\nStart this checkout's own stack with \`assay dev up\`, point at a stack with ASSAY_TEMPORAL_ADDRESS=host:port, or pass --yes to use ${address} anyway.` };
}

async function isReachable(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return canConnect(port, host);
}
