/**
 * The evaluator against AWS's documented policy evaluation logic (IAM User Guide: "Policy evaluation logic", "The
 * difference between explicit and implicit denies", "IAM JSON policy elements: Action / NotAction / Resource /
 * NotResource / Condition operators"): a table of documented cases, checked as properties that must hold however
 * the statements are ordered, whatever unrelated statements sit beside them, and however the action is cased.
 */
import fc from 'fast-check';
import {
  evaluate,
  IamConditionOperatorUnsupportedError,
  resourceMatches,
  type AuthorizationRequest,
  type Decision,
  type PolicyStatement,
} from './evaluator';

interface DocumentedCase {
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
  readonly request: AuthorizationRequest;
  readonly decision: Decision;
}

const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:orders';
const BUCKET = 'arn:aws:s3:::amzn-s3-demo-bucket';
// The User Guide's example: read-only IAM through Get*/List*, reports denied through *Report*.
const getListDenyReports: PolicyStatement[] = [
  { Sid: 'AllowGetList', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
  { Sid: 'DenyReports', Effect: 'Deny', Action: 'iam:*Report', Resource: '*' },
];

const documented: readonly DocumentedCase[] = [
  {
    name: 'no statement: denied by default (implicit deny)',
    statements: [],
    request: { action: 'sqs:SendMessage', resource: QUEUE },
    decision: 'ImplicitDeny',
  },
  {
    name: 'a matching Allow allows',
    statements: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE }],
    request: { action: 'sqs:SendMessage', resource: QUEUE },
    decision: 'Allow',
  },
  {
    name: 'an Allow for another resource does not allow',
    statements: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `${QUEUE}-dlq` }],
    request: { action: 'sqs:SendMessage', resource: QUEUE },
    decision: 'ImplicitDeny',
  },
  {
    name: 'Allow and Deny both match: the Deny trumps the Allow',
    statements: [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      { Effect: 'Deny', Action: 'sqs:SendMessage', Resource: QUEUE },
    ],
    request: { action: 'sqs:SendMessage', resource: QUEUE },
    decision: 'ExplicitDeny',
  },
  {
    name: 'AllowGetList allows iam:GetUser',
    statements: getListDenyReports,
    request: { action: 'iam:GetUser', resource: 'arn:aws:iam::123456789012:user/Bob' },
    decision: 'Allow',
  },
  {
    name: 'AllowGetList: iam:CreatePolicy is implicitly denied',
    statements: getListDenyReports,
    request: { action: 'iam:CreatePolicy', resource: '*' },
    decision: 'ImplicitDeny',
  },
  {
    name: 'DenyReports: iam:GenerateCredentialReport is explicitly denied',
    statements: getListDenyReports,
    request: { action: 'iam:GenerateCredentialReport', resource: '*' },
    decision: 'ExplicitDeny',
  },
  {
    name: 'action names are case-insensitive (iam:ListAccessKeys = IAM:listaccesskeys)',
    statements: [{ Effect: 'Allow', Action: 'IAM:listaccesskeys', Resource: '*' }],
    request: { action: 'iam:ListAccessKeys', resource: '*' },
    decision: 'Allow',
  },
  {
    name: 'resource names are case-sensitive (user/Bob is not user/bob)',
    statements: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: 'arn:aws:iam::123456789012:user/Bob' }],
    request: { action: 'iam:GetUser', resource: 'arn:aws:iam::123456789012:user/bob' },
    decision: 'ImplicitDeny',
  },
  {
    name: 'Allow with NotAction allows every action not listed',
    statements: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }],
    request: { action: 's3:GetObject', resource: `${BUCKET}/a` },
    decision: 'Allow',
  },
  {
    name: 'Allow with NotAction does not allow a listed action',
    statements: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }],
    request: { action: 'iam:CreateUser', resource: '*' },
    decision: 'ImplicitDeny',
  },
  {
    name: 'Deny with NotAction denies every action not listed, even where another statement allows it',
    statements: [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', NotAction: ['iam:ChangePassword', 'iam:GetAccountPasswordPolicy'], Resource: '*' },
    ],
    request: { action: 's3:ListBucket', resource: BUCKET },
    decision: 'ExplicitDeny',
  },
  {
    name: 'NotResource: allowed everywhere but the excluded resources',
    statements: [{ Effect: 'Allow', Action: 's3:GetObject', NotResource: `${BUCKET}/private/*` }],
    request: { action: 's3:GetObject', resource: `${BUCKET}/public/a.pdf` },
    decision: 'Allow',
  },
  {
    name: 'NotResource: the excluded resource is not allowed',
    statements: [{ Effect: 'Allow', Action: 's3:GetObject', NotResource: `${BUCKET}/private/*` }],
    request: { action: 's3:GetObject', resource: `${BUCKET}/private/a.pdf` },
    decision: 'ImplicitDeny',
  },
  {
    name: '* in an object ARN matches across slashes',
    statements: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` }],
    request: { action: 's3:GetObject', resource: `${BUCKET}/receipts/2026/o-1.pdf` },
    decision: 'Allow',
  },
  {
    name: 'bucket/* does not match the bucket itself (ListBucket needs the bucket ARN)',
    statements: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: `${BUCKET}/*` }],
    request: { action: 's3:ListBucket', resource: BUCKET },
    decision: 'ImplicitDeny',
  },
  {
    name: '? matches exactly one character',
    statements: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/file?.txt` }],
    request: { action: 's3:GetObject', resource: `${BUCKET}/file10.txt` },
    decision: 'ImplicitDeny',
  },
  {
    name: 'a * ending a segment expands beyond the colons (log-group:name:*)',
    statements: [
      {
        Effect: 'Allow',
        Action: 'logs:PutLogEvents',
        Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*',
      },
    ],
    request: {
      action: 'logs:PutLogEvents',
      resource: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:2026/01/01/abc',
    },
    decision: 'Allow',
  },
  {
    name: 'a * inside a segment stays within it',
    statements: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:123456789012:ord*s' }],
    request: { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:123456789012:ord:xs' },
    decision: 'ImplicitDeny',
  },
  {
    name: 'a condition that holds lets the Allow apply',
    statements: [
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: QUEUE,
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ],
    request: { action: 'sqs:SendMessage', resource: QUEUE, context: { 'aws:SourceAccount': '123456789012' } },
    decision: 'Allow',
  },
  {
    name: 'a condition key missing from the request fails a positive operator',
    statements: [
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: QUEUE,
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ],
    request: { action: 'sqs:SendMessage', resource: QUEUE },
    decision: 'ImplicitDeny',
  },
  {
    name: '...IfExists passes a missing key',
    statements: [
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: QUEUE,
        Condition: { StringEqualsIfExists: { 'aws:SourceAccount': '123456789012' } },
      },
    ],
    request: { action: 'sqs:SendMessage', resource: QUEUE },
    decision: 'Allow',
  },
  {
    name: 'ArnLike on aws:SourceArn with a wildcard',
    statements: [
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: QUEUE,
        Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/*' } },
      },
    ],
    request: {
      action: 'sqs:SendMessage',
      resource: QUEUE,
      context: { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/orders/r1' },
    },
    decision: 'Allow',
  },
];

/** Statements for a service no documented case asks about: they can never match, so they never change a decision. */
const unrelatedStatement: fc.Arbitrary<PolicyStatement> = fc.record({
  Effect: fc.constantFrom('Allow' as const, 'Deny' as const),
  Action: fc.stringMatching(/^[A-Z][A-Za-z]{0,12}$/).map((op) => `unrelated:${op}`),
  Resource: fc.constantFrom('*', 'arn:aws:unrelated:::thing'),
});

const randomCase = (text: string, flips: readonly boolean[]): string =>
  text
    .split('')
    .map((ch, i) => (flips[i % Math.max(flips.length, 1)] ? ch.toUpperCase() : ch.toLowerCase()))
    .join('');

describe('the evaluator agrees with the documented cases of IAM policy evaluation', () => {
  it.each(documented.map((c) => [c.name, c] as const))('%s', (_name, documentedCase) => {
    expect(evaluate(documentedCase.statements, documentedCase.request)).toBe(documentedCase.decision);
  });

  it('every documented decision holds whatever the statement order, unrelated statements beside them and the case of the action', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...documented),
        fc.array(unrelatedStatement, { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 1000 }),
        (c, noise, flips, seed) => {
          const all = [...c.statements, ...noise];
          const shuffled = all
            .map((s, i) => ({ s, key: (i * 7919 + seed) % 1009 }))
            .sort((a, b) => a.key - b.key)
            .map(({ s }) => s);

          expect(evaluate(shuffled, { ...c.request, action: randomCase(c.request.action, flips) })).toBe(c.decision);
        },
      ),
    );
  });
});

describe('evaluation properties', () => {
  const action = fc
    .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{1,10}$/), fc.stringMatching(/^[A-Z][A-Za-z]{1,20}$/))
    .map(([service, op]) => `${service}:${op}`);
  const resource = fc
    .tuple(fc.stringMatching(/^[a-z0-9-]{1,10}$/), fc.stringMatching(/^[A-Za-z0-9/._-]{1,30}$/))
    .map(([service, rest]) => `arn:aws:${service}:us-east-1:123456789012:${rest}`);
  const statement: fc.Arbitrary<PolicyStatement> = fc.record({
    Effect: fc.constantFrom('Allow' as const, 'Deny' as const),
    Action: fc.oneof(action, fc.constant('*')),
    Resource: fc.oneof(resource, fc.constant('*')),
  });

  it('explicit deny wins: a matching Deny added to any policy denies', () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 8 }), action, resource, (statements, a, r) => {
        expect(evaluate([...statements, { Effect: 'Deny', Action: a, Resource: r }], { action: a, resource: r })).toBe(
          'ExplicitDeny',
        );
      }),
    );
  });

  it('without a matching statement the request is implicitly denied', () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 8 }), action, resource, (statements, a, r) => {
        const unrelated = statements.filter(
          (s) => s.Action !== '*' && String(s.Action).toLowerCase() !== a.toLowerCase(),
        );

        expect(evaluate(unrelated, { action: a, resource: r })).toBe('ImplicitDeny');
      }),
    );
  });

  it('NotAction allows exactly what Action with the same list does not', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 4 }), action, resource, (listed, a, r) => {
        const viaAction = evaluate([{ Effect: 'Allow', Action: listed, Resource: '*' }], { action: a, resource: r });
        const viaNotAction = evaluate([{ Effect: 'Allow', NotAction: listed, Resource: '*' }], {
          action: a,
          resource: r,
        });

        expect(viaNotAction === 'Allow').toBe(viaAction !== 'Allow');
      }),
    );
  });

  it('a trailing * on an action allows every action with that prefix', () => {
    fc.assert(
      fc.property(action, fc.stringMatching(/^[A-Za-z]{0,10}$/), (a, suffix) => {
        expect(
          evaluate([{ Effect: 'Allow', Action: `${a}*`, Resource: '*' }], { action: `${a}${suffix}`, resource: '*' }),
        ).toBe('Allow');
      }),
    );
  });

  it('resource ARNs are compared case-sensitively', () => {
    fc.assert(
      fc.property(resource, (r) => {
        fc.pre(r.toUpperCase() !== r);

        expect(resourceMatches(r, r.toUpperCase())).toBe(false);
      }),
    );
  });
});

describe('conditions', () => {
  it('refuses an operator it does not implement rather than guessing', () => {
    expect.assertions(1);
    const statements: PolicyStatement[] = [
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: QUEUE,
        Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
      },
    ];

    expect(() => evaluate(statements, { action: 'sqs:SendMessage', resource: QUEUE })).toThrow(
      IamConditionOperatorUnsupportedError,
    );
  });
});
