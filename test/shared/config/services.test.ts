import { describe, expect, it } from 'vitest';
import { readServices } from '../../../shared/config/services';

describe('service settings from the environment', () => {
  it('defaults to the dev stack addresses when nothing is set', () => {
    const s = readServices({});
    expect(s.ASSAY_TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(s.ASSAY_S3_ENDPOINT).toBeUndefined();
  });
  it('names every bad variable, its value and the reason', () => {
    expect(() => readServices({ ASSAY_TEMPORAL_ADDRESS: 'nohost', ASSAY_DATABASE_URL: 'mysql://x', ASSAY_S3_BUCKET: 'Bad_Bucket' })).toThrow(
      /ASSAY_TEMPORAL_ADDRESS="nohost": expected host:port[\s\S]*ASSAY_S3_BUCKET="Bad_Bucket": not a valid S3 bucket name[\s\S]*ASSAY_DATABASE_URL="mysql:\/\/x": expected a postgres:\/\/ URL/,
    );
  });
});
