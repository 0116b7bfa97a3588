import { describe, expect, it } from 'vitest';
import { provisioningFailure } from '../src/provision.js';

describe('the provisioning step', () => {
  it('says to provision as the provisioner when NATS refuses the identity', () => {
    const refused = provisioningFailure(
      new Error('Permissions Violation for Publish to "$JS.API.STREAM.CREATE.USERS"'),
      'user-service',
    );
    expect(refused.message).toMatch(/^NATS refused user-service \(Permissions Violation/);
    expect(refused.message).toContain('NATS_USER=provisioner');
  });

  it('passes any other failure on as it is', () => {
    const other = new Error('connection refused');
    expect(provisioningFailure(other, 'provisioner')).toBe(other);
  });
});
