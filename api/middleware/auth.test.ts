import { JwtExpiredError, JwtInvalidSignatureError } from 'aws-jwt-verify/error';
import { rememberVerified, type TokenVerifier } from './auth';

/** A verifier that accepts the tokens it is given claims for, checks `exp` as aws-jwt-verify does, and counts calls. */
const countingVerifier = (claimsByToken: Record<string, Record<string, unknown>>, now: () => number) => {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    verify: async (token) => {
      calls.push(token);
      const claims = claimsByToken[token];
      if (claims === undefined) throw new JwtInvalidSignatureError('invalid signature');
      if (typeof claims.exp === 'number' && claims.exp < now()) throw new JwtExpiredError('expired', claims.exp);
      return claims;
    },
  };
  return { verifier, calls };
};

describe('rememberVerified', () => {
  it('verifies a token once and answers its later uses with the same claims', async () => {
    // prepare
    const clock = { now: 1000 };
    const { verifier, calls } = countingVerifier({ a: { sub: 'alice', exp: 2000 } }, () => clock.now);
    const remembered = rememberVerified(verifier, { nowSeconds: () => clock.now });
    // act
    const answers = [await remembered.verify('a'), await remembered.verify('a'), await remembered.verify('a')];
    // assess
    expect(calls).toEqual(['a']);
    expect(answers).toEqual([{ sub: 'alice', exp: 2000 }, answers[0], answers[0]]);
  });

  it('passes a remembered token back to the verifier once it has expired, which refuses it', async () => {
    expect.assertions(2);
    // prepare
    const clock = { now: 1000 };
    const { verifier, calls } = countingVerifier({ a: { sub: 'alice', exp: 2000 } }, () => clock.now);
    const remembered = rememberVerified(verifier, { nowSeconds: () => clock.now, ttlSeconds: 10_000 });
    await remembered.verify('a');
    clock.now = 2000.5;
    // act / assess
    await expect(remembered.verify('a')).rejects.toBeInstanceOf(JwtExpiredError);
    expect(calls).toEqual(['a', 'a']);
  });

  it('accepts a remembered token up to the second of its exp, as aws-jwt-verify does', async () => {
    // prepare
    const clock = { now: 1000 };
    const { verifier, calls } = countingVerifier({ a: { sub: 'alice', exp: 2000 } }, () => clock.now);
    const remembered = rememberVerified(verifier, { nowSeconds: () => clock.now, ttlSeconds: 10_000 });
    await remembered.verify('a');
    clock.now = 2000;
    // act
    const claims = await remembered.verify('a');
    // assess
    expect([claims.sub, calls.length]).toEqual(['alice', 1]);
  });

  it('never remembers a refused token: each use is verified again', async () => {
    expect.assertions(3);
    // prepare
    const { verifier, calls } = countingVerifier({}, () => 1000);
    const remembered = rememberVerified(verifier, { nowSeconds: () => 1000 });
    // act / assess
    await expect(remembered.verify('forged')).rejects.toBeInstanceOf(JwtInvalidSignatureError);
    await expect(remembered.verify('forged')).rejects.toBeInstanceOf(JwtInvalidSignatureError);
    expect(calls).toEqual(['forged', 'forged']);
  });

  it('verifies a remembered token again a minute after its verification (a withdrawn key stops it then)', async () => {
    expect.assertions(2);
    // prepare: the token verifies at first; then its key is withdrawn and the verifier refuses it
    const clock = { now: 1000 };
    const claims: Record<string, Record<string, unknown>> = { a: { sub: 'alice', exp: 5000 } };
    const { verifier, calls } = countingVerifier(claims, () => clock.now);
    const remembered = rememberVerified(verifier, { nowSeconds: () => clock.now, ttlSeconds: 60 });
    await remembered.verify('a');
    delete claims.a;
    clock.now = 1059;
    await remembered.verify('a');
    clock.now = 1060;
    // act / assess
    await expect(remembered.verify('a')).rejects.toBeInstanceOf(JwtInvalidSignatureError);
    expect(calls).toEqual(['a', 'a']);
  });

  it('never remembers a token without a numeric exp', async () => {
    // prepare
    const { verifier, calls } = countingVerifier({ a: { sub: 'alice' } }, () => 1000);
    const remembered = rememberVerified(verifier, { nowSeconds: () => 1000 });
    // act
    await remembered.verify('a');
    await remembered.verify('a');
    // assess
    expect(calls).toEqual(['a', 'a']);
  });

  it('keeps at most maxTokens tokens, forgetting the oldest first', async () => {
    // prepare
    const claims = { a: { sub: 'a', exp: 2000 }, b: { sub: 'b', exp: 2000 }, c: { sub: 'c', exp: 2000 } };
    const { verifier, calls } = countingVerifier(claims, () => 1000);
    const remembered = rememberVerified(verifier, { maxTokens: 2, nowSeconds: () => 1000 });
    for (const token of ['a', 'b', 'c']) await remembered.verify(token);
    // act
    for (const token of ['c', 'b', 'a']) await remembered.verify(token);
    // assess
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
