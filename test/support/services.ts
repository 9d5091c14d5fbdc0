// Tests that need a real server get its settings here; a missing setting fails the test
// with the reason instead of skipping it, because a skipped server test proves nothing.
import { readServices, type Services } from '../../shared/config/services';

export function requireServices(...needed: Array<'ASSAY_S3_ENDPOINT' | 'ASSAY_DATABASE_URL' | 'ASSAY_TEMPORAL_ADDRESS'>): Services {
  const missing = needed.filter((key) => !process.env[key]);
  if (missing.length > 0) {
    throw new Error(`This test needs a real server but ${missing.join(', ')} is not set. Run it through \`npm test\` (its global setup starts the dev stack) or export the variables from .assay/env.`);
  }
  return readServices(process.env);
}
