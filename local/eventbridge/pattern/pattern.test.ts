import fc from 'fast-check';
import { compileEventPattern, EventPatternInvalidError, matchesEventPattern } from './index';

/** The sample event of EventBridge's content-filtering documentation. */
const ec2 = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const employees = {
  employees: [
    [
      { firstName: 'John', lastName: 'Doe', ids: [1234, 1000, 9999] },
      { firstName: 'Anna', lastName: 'Smith' },
    ],
    [{ firstName: 'Peter', lastName: 'Jones', ids: [] }],
  ],
};

type Case = [name: string, pattern: unknown, event: unknown, expected: boolean];

const cases: Case[] = [
  // exact values
  [
    'documented simple match',
    {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
      detail: { state: ['initializing', 'running'] },
    },
    ec2,
    true,
  ],
  ['exact string differs', { detail: { state: ['stopped'] } }, ec2, false],
  ['exact is case sensitive', { source: ['AWS.EC2'] }, ec2, false],
  ['missing field never matches a value', { detail: { nope: ['x'] } }, ec2, false],
  ['number matches number', { detail: { 'c-count': [5] } }, ec2, true],
  ['number matches across int/float forms', { a: [300] }, { a: 300.0 }, true],
  ['number matches exponent form', { a: [3.018e2] }, { a: 301.8 }, true],
  ['number pattern does not match numeric string', { a: [5] }, { a: '5' }, false],
  ['string pattern does not match number', { a: ['5'] }, { a: 5 }, false],
  ['boolean matches boolean', { a: [true] }, { a: true }, true],
  ['boolean pattern does not match string "true"', { a: [true] }, { a: 'true' }, false],
  ['null matches null', { a: [null] }, { a: null }, true],
  ['null pattern does not match missing field', { a: [null] }, {}, false],
  ['null pattern does not match empty string', { a: [null] }, { a: '' }, false],
  ['empty string matches empty string', { a: [''] }, { a: '' }, true],
  ['-0 is not 0', { a: [0] }, { a: -0 }, false],
  ['array event value: any element', { resources: ['b'] }, { resources: ['a', 'b'] }, true],
  ['array event value: no element', { resources: ['c'] }, { resources: ['a', 'b'] }, false],
  [
    // The example of EventBridge's "Arrays in event patterns": the pattern's first ARN is the event's second.
    'array event value: documented resources example',
    {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    },
    true,
  ],
  // The platform's webhook rule (core/platform/resources.ts): envelope fields and a mark among the resources.
  [
    'envelope fields with a resources mark: marked event',
    {
      source: ['orders.platform'],
      'detail-type': [{ prefix: 'order.' }],
      resources: ['orders.platform/webhook-subscribers'],
    },
    { source: 'orders.platform', 'detail-type': 'order.created', resources: ['orders.platform/webhook-subscribers'] },
    true,
  ],
  [
    'envelope fields with a resources mark: mark among other resources',
    {
      source: ['orders.platform'],
      'detail-type': [{ prefix: 'order.' }],
      resources: ['orders.platform/webhook-subscribers'],
    },
    {
      source: 'orders.platform',
      'detail-type': 'order.created',
      resources: ['arn:x', 'orders.platform/webhook-subscribers'],
    },
    true,
  ],
  [
    'envelope fields with a resources mark: unmarked event (empty resources)',
    {
      source: ['orders.platform'],
      'detail-type': [{ prefix: 'order.' }],
      resources: ['orders.platform/webhook-subscribers'],
    },
    { source: 'orders.platform', 'detail-type': 'order.created', resources: [] },
    false,
  ],
  [
    'envelope fields with a resources mark: the mark in detail does not count',
    {
      source: ['orders.platform'],
      'detail-type': [{ prefix: 'order.' }],
      resources: ['orders.platform/webhook-subscribers'],
    },
    {
      source: 'orders.platform',
      'detail-type': 'order.created',
      resources: [],
      detail: { resources: ['orders.platform/webhook-subscribers'] },
    },
    false,
  ],
  ['empty event array matches nothing', { a: ['x'] }, { a: [] }, false],
  ['nested arrays are flattened', { a: [3] }, { a: [[1, 2], [3]] }, true],
  ['pattern leaf against object value', { detail: ['x'] }, ec2, false],
  ['exactly operator', { a: [{ exactly: 'x' }] }, { a: 'x' }, true],
  [
    'ip literal matches same address written differently',
    { ip: ['2001:db8::1'] },
    { ip: '2001:0db8:0:0:0:0:0:1' },
    true,
  ],
  // prefix / suffix
  ['prefix', { time: [{ prefix: '2017-10-02' }] }, ec2, true],
  ['prefix miss', { time: [{ prefix: '2017-10-03' }] }, ec2, false],
  ['prefix only on strings', { a: [{ prefix: '1' }] }, { a: 12 }, false],
  ['empty prefix matches any string', { a: [{ prefix: '' }] }, { a: 'x' }, true],
  ['empty prefix does not match null', { a: [{ prefix: '' }] }, { a: null }, false],
  [
    'prefix equals-ignore-case',
    { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
    { service: 'eventbridge' },
    true,
  ],
  [
    'prefix equals-ignore-case miss',
    { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
    { service: 'sqs' },
    false,
  ],
  ['suffix', { FileName: [{ suffix: '.png' }] }, { FileName: 'a.png' }, true],
  ['suffix is case sensitive', { FileName: [{ suffix: '.png' }] }, { FileName: 'a.PNG' }, false],
  [
    'suffix equals-ignore-case',
    { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] },
    { FileName: 'a.PNG' },
    true,
  ],
  ['suffix longer than value', { a: [{ suffix: 'abcd' }] }, { a: 'bcd' }, false],
  // equals-ignore-case
  ['equals-ignore-case', { a: [{ 'equals-ignore-case': 'alice' }] }, { a: 'ALice' }, true],
  ['equals-ignore-case is not prefix', { a: [{ 'equals-ignore-case': 'alice' }] }, { a: 'alice2' }, false],
  ['equals-ignore-case only on strings', { a: [{ 'equals-ignore-case': 'true' }] }, { a: true }, false],
  // anything-but
  ['anything-but string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2, true],
  ['anything-but excluded string', { detail: { state: [{ 'anything-but': 'running' }] } }, ec2, false],
  ['anything-but number', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, ec2, true],
  ['anything-but excluded number, other representation', { a: [{ 'anything-but': 3e2 }] }, { a: 300 }, false],
  ['anything-but string list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ec2, true],
  [
    'anything-but string list excluded',
    { a: [{ 'anything-but': ['stopped', 'overloaded'] }] },
    { a: 'stopped' },
    false,
  ],
  ['anything-but number list', { a: [{ 'anything-but': [100, 200, 300] }] }, { a: 301.8 }, true],
  ['anything-but number list excluded', { a: [{ 'anything-but': [100, 200, 300] }] }, { a: 200 }, false],
  ['anything-but string does not exclude the number', { a: [{ 'anything-but': '5' }] }, { a: 5 }, true],
  ['anything-but number does not exclude the string', { a: [{ 'anything-but': 5 }] }, { a: '5' }, true],
  ['anything-but matches null', { a: [{ 'anything-but': 'x' }] }, { a: null }, true],
  ['anything-but needs the field', { a: [{ 'anything-but': 'x' }] }, {}, false],
  ['anything-but on empty array', { a: [{ 'anything-but': 'x' }] }, { a: [] }, false],
  ['anything-but on array: any element not excluded', { a: [{ 'anything-but': 'x' }] }, { a: ['x', 'y'] }, true],
  ['anything-but on array: all excluded', { a: [{ 'anything-but': ['x', 'y'] }] }, { a: ['x', 'y'] }, false],
  ['anything-but prefix', { Region: [{ 'anything-but': { prefix: 'us-' } }] }, { Region: 'eu-west-1' }, true],
  ['anything-but prefix excluded', { Region: [{ 'anything-but': { prefix: 'us-' } }] }, { Region: 'us-east-1' }, false],
  [
    'anything-but prefix excludes the prefix itself',
    { a: [{ 'anything-but': { prefix: 'init' } }] },
    { a: 'init' },
    false,
  ],
  [
    'anything-but prefix list excluded',
    { a: [{ 'anything-but': { prefix: ['init', 'error'] } }] },
    { a: 'error-42' },
    false,
  ],
  [
    'anything-but prefix list passes',
    { a: [{ 'anything-but': { prefix: ['init', 'error'] } }] },
    { a: 'running' },
    true,
  ],
  ['anything-but prefix matches numbers', { a: [{ 'anything-but': { prefix: '1' } }] }, { a: 12 }, true],
  ['anything-but prefix is case sensitive', { a: [{ 'anything-but': { prefix: 'us-' } }] }, { a: 'US-east' }, true],
  ['anything-but suffix', { FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.jpg' }, true],
  [
    'anything-but suffix excluded',
    { FileName: [{ 'anything-but': { suffix: '.png' } }] },
    { FileName: 'a.png' },
    false,
  ],
  [
    'anything-but suffix list excluded',
    { a: [{ 'anything-but': { suffix: ['1234', '6789'] } }] },
    { a: 'i-6789' },
    false,
  ],
  [
    'anything-but equals-ignore-case',
    { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
    { state: 'INITIALIZING' },
    false,
  ],
  [
    'anything-but equals-ignore-case passes',
    { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] },
    { state: 'running' },
    true,
  ],
  [
    'anything-but equals-ignore-case list',
    { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] },
    { state: 'overloaded' },
    false,
  ],
  [
    'anything-but wildcard',
    { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { FilePath: '/usr/lib/x' },
    false,
  ],
  [
    'anything-but wildcard passes',
    { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    { FilePath: '/usr/bin/x' },
    true,
  ],
  [
    'anything-but wildcard list',
    { a: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] },
    { a: '/x/bin/A.class' },
    false,
  ],
  // numeric
  ['numeric range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, ec2, true],
  ['numeric upper open', { a: [{ numeric: ['>', 0, '<', 5] }] }, { a: 5 }, false],
  ['numeric lower open', { a: [{ numeric: ['>', 0] }] }, { a: 0 }, false],
  ['numeric lower closed', { a: [{ numeric: ['>=', 0] }] }, { a: 0 }, true],
  ['numeric less than', { detail: { 'd-count': [{ numeric: ['<', 10] }] } }, ec2, true],
  ['numeric equals float form', { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, ec2, true],
  ['numeric equals int/float', { a: [{ numeric: ['=', 5] }] }, { a: 5.0 }, true],
  ['numeric negative', { a: [{ numeric: ['>=', -10.5, '<', -1] }] }, { a: -3 }, true],
  ['numeric ignores numeric strings', { a: [{ numeric: ['>', 0] }] }, { a: '5' }, false],
  ['numeric on array: any element', { a: [{ numeric: ['>', 10] }] }, { a: [1, 20] }, true],
  ['numeric large values', { a: [{ numeric: ['>', 5e9] }] }, { a: 6e12 }, true],
  // exists
  ['exists true', { detail: { 'c-count': [{ exists: true }] } }, ec2, true],
  ['exists true on missing', { detail: { nope: [{ exists: true }] } }, ec2, false],
  ['exists false on missing', { detail: { nope: [{ exists: false }] } }, ec2, true],
  ['exists false on present', { detail: { 'c-count': [{ exists: false }] } }, ec2, false],
  ['exists true matches null', { a: [{ exists: true }] }, { a: null }, true],
  ['exists false does not match null', { a: [{ exists: false }] }, { a: null }, false],
  ['exists true matches empty string', { a: [{ exists: true }] }, { a: '' }, true],
  ['exists true does not match an empty array', { a: [{ exists: true }] }, { a: [] }, false],
  ['exists false matches an empty array', { a: [{ exists: false }] }, { a: [] }, true],
  [
    'exists only on leaves: object value counts as absent',
    { detail: { 'c-count': [{ exists: false }] } },
    { detail: { 'c-count': { c1: 100 } } },
    true,
  ],
  [
    'exists true on object value is false',
    { detail: { 'c-count': [{ exists: true }] } },
    { detail: { 'c-count': { c1: 100 } } },
    false,
  ],
  ['exists false with missing parent', { detail: { x: { y: [{ exists: false }] } } }, { source: 'a' }, true],
  ['exists true with missing parent', { detail: { x: { y: [{ exists: true }] } } }, { source: 'a' }, false],
  ['exists false or a value: absent', { tier: [{ 'anything-but': ['gold'] }, { exists: false }] }, {}, true],
  [
    'exists false or a value: excluded',
    { tier: [{ 'anything-but': ['gold'] }, { exists: false }] },
    { tier: 'gold' },
    false,
  ],
  ['exists true inside arrays of objects', { a: { b: [{ exists: true }] } }, { a: [{ c: 1 }, { b: 2 }] }, true],
  [
    'exists false inside arrays: present in some element',
    { a: { b: [{ exists: false }] } },
    { a: [{ c: 1 }, { b: 2 }] },
    false,
  ],
  [
    'exists false inside arrays: present in no element',
    { a: { b: [{ exists: false }] } },
    { a: [{ c: 1 }, { c: 2 }] },
    true,
  ],
  // cidr
  ['cidr ipv4', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, ec2, true],
  ['cidr ipv4 miss', { a: [{ cidr: '10.0.0.0/24' }] }, { a: '10.0.1.1' }, false],
  ['cidr ipv4 /8', { a: [{ cidr: '10.0.0.0/8' }] }, { a: '10.255.3.4' }, true],
  ['cidr base address not aligned', { a: [{ cidr: '10.0.0.77/24' }] }, { a: '10.0.0.1' }, true],
  ['cidr ipv6', { a: [{ cidr: '2001:db8::/32' }] }, { a: '2001:db8:85a3::8a2e:370:7334' }, true],
  ['cidr ipv6 miss', { a: [{ cidr: '2001:db8::/32' }] }, { a: '2001:db9::1' }, false],
  ['cidr ipv6 uppercase event', { a: [{ cidr: 'fe80::/10' }] }, { a: 'FE80::1' }, true],
  ['cidr family mismatch', { a: [{ cidr: '10.0.0.0/8' }] }, { a: '::a00:1' }, false],
  ['cidr on non-ip string', { a: [{ cidr: '10.0.0.0/8' }] }, { a: 'ten' }, false],
  ['cidr on number', { a: [{ cidr: '10.0.0.0/8' }] }, { a: 10 }, false],
  // wildcard
  ['wildcard', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' }, true],
  ['wildcard star matches empty', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleService' }, true],
  ['wildcard is anchored', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'ASimpleXServiceB' }, false],
  ['wildcard several stars', { a: [{ wildcard: 'dir/*/*.png' }] }, { a: 'dir/x/y.png' }, true],
  ['wildcard escaped star is literal', { a: [{ wildcard: 'a\\*b' }] }, { a: 'a*b' }, true],
  ['wildcard escaped star is not a wildcard', { a: [{ wildcard: 'a\\*b' }] }, { a: 'axb' }, false],
  ['wildcard escaped backslash', { a: [{ wildcard: 'a\\\\*' }] }, { a: 'a\\xyz' }, true],
  ['wildcard regex characters are literal', { a: [{ wildcard: 'a.b(*)' }] }, { a: 'a.b(zz)' }, true],
  ['wildcard is case sensitive', { a: [{ wildcard: 'a*' }] }, { a: 'Abc' }, false],
  ['wildcard only on strings', { a: [{ wildcard: '1*' }] }, { a: 12 }, false],
  // $or
  [
    '$or first branch',
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
    { source: 'aws.cloudwatch', metricName: 'CPUUtilization' },
    true,
  ],
  [
    '$or second branch',
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
    { source: 'aws.cloudwatch', namespace: 'AWS/EC2' },
    true,
  ],
  [
    '$or needs the and-ed field too',
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
    { source: 'x', namespace: 'AWS/EC2' },
    false,
  ],
  ['$or no branch', { $or: [{ a: [1] }, { b: [2] }] }, { a: 2, b: 1 }, false],
  [
    '$or nested inside a field',
    { detail: { $or: [{ source: ['s'] }, { 'detail-type': ['t'] }] } },
    { detail: { 'detail-type': 't' } },
    true,
  ],
  ['$or nested in $or', { $or: [{ a: [1] }, { b: [2], $or: [{ c: [3] }, { d: [4] }] }] }, { b: 2, d: 4 }, true],
  [
    '$or nested in $or needs inner branch',
    { $or: [{ a: [1] }, { b: [2], $or: [{ c: [3] }, { d: [4] }] }] },
    { b: 2, d: 5 },
    false,
  ],
  [
    'parallel $or',
    { $or: [{ a: [1] }, { b: [1] }], x: { $or: [{ c: [1] }, { d: [1] }] } },
    { b: 1, x: { c: 1 } },
    true,
  ],
  [
    'parallel $or, second unmet',
    { $or: [{ a: [1] }, { b: [1] }], x: { $or: [{ c: [1] }, { d: [1] }] } },
    { b: 1, x: { e: 1 } },
    false,
  ],
  // arrays of objects
  ['field inside array of objects', { employees: { firstName: ['Anna'] } }, employees, true],
  ['two fields from one element', { employees: { firstName: ['John'], ids: [1000] } }, employees, true],
  [
    'two fields from different elements do not match',
    { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    employees,
    false,
  ],
  [
    'exists false in the matched element',
    { employees: { firstName: ['Anna'], ids: [{ exists: false }] } },
    employees,
    true,
  ],
  [
    'exists true in another element only',
    { employees: { firstName: ['Anna'], ids: [{ exists: true }] } },
    employees,
    false,
  ],
  ['value from another element', { employees: { firstName: ['Anna'], ids: [1000] } }, employees, false],
  ['array field is not a value', { employees: ['b'] }, employees, false],
  [
    'dotted keys address nested fields',
    { detail: { 'state.status': ['running'] } },
    { detail: { state: { status: 'running' } } },
    true,
  ],
];

describe('event pattern matching', () => {
  it.each(cases)('%s', (_name, pattern, event, expected) => {
    const act = matchesEventPattern(pattern, event);

    expect(act).toBe(expected);
  });

  it('accepts the pattern as JSON text and answers the same', () => {
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };

    expect(matchesEventPattern(JSON.stringify(pattern), ec2)).toBe(true);
  });

  it('reuses a compiled pattern, even one with a "source" field', () => {
    const compiled = compileEventPattern({ source: ['aws.ec2'], branches: ['x'] });

    expect(matchesEventPattern(compiled, { source: 'aws.ec2', branches: 'x' })).toBe(true);
    expect(matchesEventPattern(compiled, { source: 'aws.ec2' })).toBe(false);
  });
});

const invalid: [string, unknown, string][] = [
  ['not an object', ['a'], 'Filter is not an object'],
  ['not JSON', '{"a": [', 'not valid JSON'],
  ['empty pattern', {}, 'Empty objects are not allowed'],
  ['leaf is a string', { source: 'aws.ec2' }, '"source" must be an object or an array'],
  ['leaf is a number', { a: 5 }, '"a" must be an object or an array'],
  ['leaf is null', { a: null }, '"a" must be an object or an array'],
  ['empty array', { a: [] }, 'Empty arrays are not allowed'],
  ['nested array', { a: [['x']] }, 'Match value must be'],
  ['empty nested object', { a: {} }, 'Empty objects are not allowed'],
  ['unknown operator', { a: [{ contains: 'x' }] }, 'Unrecognized match type contains'],
  ['empty match expression', { a: [{}] }, 'Match expression name not found'],
  ['two operators in one expression', { a: [{ prefix: 'a', suffix: 'b' }] }, 'Only one key allowed'],
  ['prefix with a number', { a: [{ prefix: 1 }] }, 'prefix match pattern must be a string'],
  ['prefix with unknown modifier', { a: [{ prefix: { wildcard: 'x' } }] }, 'Unsupported prefix pattern: wildcard'],
  ['suffix with a list', { a: [{ suffix: ['x'] }] }, 'suffix match pattern must be a string'],
  [
    'equals-ignore-case with a number',
    { a: [{ 'equals-ignore-case': 1 }] },
    'equals-ignore-case match pattern must be a string',
  ],
  ['numeric not an array', { a: [{ numeric: '>' }] }, 'Value of numeric must be an array.'],
  ['numeric empty', { a: [{ numeric: [] }] }, 'Invalid member in numeric match'],
  ['numeric unknown operator', { a: [{ numeric: ['!=', 1] }] }, 'Unrecognized numeric range operator: !='],
  ['numeric value is a string', { a: [{ numeric: ['>', '1'] }] }, 'Value of > must be numeric'],
  ['numeric bottom above top', { a: [{ numeric: ['>', 10, '<', 5] }] }, 'Bottom must be less than top'],
  ['numeric empty range', { a: [{ numeric: ['>=', 5, '<=', 5] }] }, 'Bottom must be less than top'],
  ['numeric upper then lower', { a: [{ numeric: ['<', 5, '>', 1] }] }, 'Too many elements'],
  ['numeric two lowers', { a: [{ numeric: ['>', 1, '>', 2] }] }, 'Bad numeric range operator: >'],
  ['numeric equals with extra terms', { a: [{ numeric: ['=', 1, '<', 2] }] }, 'Too many elements'],
  ['numeric too many terms', { a: [{ numeric: ['>', 1, '<', 5, '<', 6] }] }, 'Too many terms'],
  ['exists not boolean', { a: [{ exists: 'true' }] }, 'exists match pattern must be either true or false.'],
  [
    'anything-but null',
    { a: [{ 'anything-but': null }] },
    'Value of anything-but must be an array or single string/number value.',
  ],
  ['anything-but boolean', { a: [{ 'anything-but': true }] }, 'Value of anything-but must be'],
  ['anything-but mixed list', { a: [{ 'anything-but': ['a', 1] }] }, 'mixed type is not supported'],
  ['anything-but empty list', { a: [{ 'anything-but': [] }] }, 'mixed type is not supported'],
  ['anything-but list with null', { a: [{ 'anything-but': ['a', null] }] }, 'start|null|boolean is not supported'],
  [
    'anything-but unknown modifier',
    { a: [{ 'anything-but': { numeric: ['>', 1] } }] },
    'Unsupported anything-but pattern: numeric',
  ],
  ['anything-but empty modifier', { a: [{ 'anything-but': {} }] }, 'Anything-But expression name not found'],
  [
    'anything-but prefix number',
    { a: [{ 'anything-but': { prefix: 1 } }] },
    'prefix/suffix match pattern must be a string',
  ],
  ['anything-but prefix empty', { a: [{ 'anything-but': { prefix: '' } }] }, 'Null prefix/suffix not allowed'],
  [
    'anything-but suffix list with empty',
    { a: [{ 'anything-but': { suffix: ['x', ''] } }] },
    'Null prefix/suffix not allowed',
  ],
  [
    'anything-but equals-ignore-case number',
    { a: [{ 'anything-but': { 'equals-ignore-case': 1 } }] },
    'equals-ignore-case list',
  ],
  ['anything-but two modifiers', { a: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }, 'Too many elements'],
  ['anything-but with a sibling operator', { a: [{ 'anything-but': 'a', prefix: 'b' }] }, 'Too many elements'],
  ['anything-but wildcard bad', { a: [{ 'anything-but': { wildcard: 'a**' } }] }, 'Consecutive wildcard characters'],
  ['wildcard consecutive stars', { a: [{ wildcard: 'a**b' }] }, 'Consecutive wildcard characters at pos 1'],
  ['wildcard bad escape', { a: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 1'],
  ['wildcard trailing backslash', { a: [{ wildcard: 'a\\' }] }, 'Invalid escape character'],
  ['wildcard number', { a: [{ wildcard: 1 }] }, 'wildcard match pattern must be a string'],
  ['cidr without slash', { a: [{ cidr: '10.0.0.1' }] }, "one '/' required"],
  ['cidr bad mask', { a: [{ cidr: '10.0.0.0/x' }] }, 'mask bits must be an integer'],
  ['cidr negative mask', { a: [{ cidr: '10.0.0.0/-1' }] }, 'mask bits must not be negative'],
  ['cidr ipv4 mask too big', { a: [{ cidr: '10.0.0.0/33' }] }, 'IPv4 mask bits must be < 32'],
  ['cidr ipv6 mask too big', { a: [{ cidr: '::/129' }] }, 'IPv6 mask bits must be < 128'],
  ['cidr bad address', { a: [{ cidr: '300.0.0.0/8' }] }, 'Invalid IP address'],
  ['cidr hostname', { a: [{ cidr: 'example.com/8' }] }, 'Invalid IP address'],
  ['cidr number', { a: [{ cidr: 10 }] }, 'cidr match pattern must be a string'],
  ['$or not an array', { $or: { a: [1] } }, 'It must be an Array followed with $or.'],
  ['$or with one branch', { $or: [{ a: [1] }] }, 'at least 2 Objects'],
  ['$or with a non-object', { $or: [{ a: [1] }, 'b'] }, 'Only JSON object is allowed'],
  ['$or with an operator name as field', { $or: [{ numeric: [1] }, { prefix: ['a'] }] }, 'reserved fieldName'],
  ['$or with an empty branch', { $or: [{ a: [1] }, {}] }, 'Empty objects are not allowed'],
];

describe('event pattern validation', () => {
  it.each(invalid)('rejects %s', (_name, pattern, reason) => {
    expect.assertions(3);

    try {
      compileEventPattern(pattern);
    } catch (error) {
      expect(error).toBeInstanceOf(EventPatternInvalidError);
      expect((error as Error).message).toMatch(/^Event pattern is not valid\. Reason: /);
      expect((error as Error).message).toContain(reason);
    }
  });

  it('accepts a field named like an operator outside $or', () => {
    expect(matchesEventPattern({ prefix: ['x'] }, { prefix: 'x' })).toBe(true);
  });
});

const scalar = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const key = fc
  .string({ minLength: 1, maxLength: 6 })
  .filter((text) => !text.includes('.') && text !== '$or' && text !== '__proto__');
const flatEvent = fc.dictionary(key, scalar, { minKeys: 1, maxKeys: 6 });

describe('event pattern properties', () => {
  it('a pattern built from an event’s own values matches it', () => {
    fc.assert(
      fc.property(flatEvent, (event) => {
        const pattern = Object.fromEntries(Object.entries(event).map(([name, value]) => [name, [value]]));

        expect(matchesEventPattern(pattern, event)).toBe(true);
      }),
    );
  });

  it('anything-but a value never matches that value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })), (value) => {
        expect(matchesEventPattern({ a: [{ 'anything-but': value }] }, { a: value })).toBe(false);
      }),
    );
  });

  it('anything-but is the complement of the exact match on a present scalar', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), (excluded, value) => {
        const exact = matchesEventPattern({ a: [excluded] }, { a: value });
        const anythingBut = matchesEventPattern({ a: [{ 'anything-but': excluded }] }, { a: value });

        expect(anythingBut).toBe(!exact);
      }),
    );
  });

  it('$or matches exactly when one of its branches does', () => {
    const leaf = fc.oneof(
      fc.constant(['x']),
      fc.constant([{ prefix: 'x' }]),
      fc.constant([{ exists: false }]),
      fc.constant([{ numeric: ['>', 0] }]),
    );
    const branch = fc.dictionary(fc.constantFrom('a', 'b', 'c'), leaf, { minKeys: 1 });
    const event = fc.dictionary(
      fc.constantFrom('a', 'b', 'c'),
      fc.oneof(fc.constantFrom('x', 'xy', 'y'), fc.integer({ min: -2, max: 2 })),
    );
    fc.assert(
      fc.property(branch, branch, event, (left, right, sample) => {
        const union = matchesEventPattern(left, sample) || matchesEventPattern(right, sample);

        expect(matchesEventPattern({ $or: [left, right] }, sample)).toBe(union);
      }),
    );
  });

  it('exists true and exists false partition every event', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b'), fc.oneof(scalar, fc.array(scalar, { maxLength: 2 }))),
        (event) => {
          const present = matchesEventPattern({ a: [{ exists: true }] }, event);
          const absent = matchesEventPattern({ a: [{ exists: false }] }, event);

          expect(present).toBe(!absent);
        },
      ),
    );
  });

  it('numeric equality agrees with a closed one-point range and ordering', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), (bound, value) => {
        expect(matchesEventPattern({ a: [{ numeric: ['<', bound] }] }, { a: value })).toBe(value < bound);
        expect(matchesEventPattern({ a: [{ numeric: ['=', bound] }] }, { a: value / 1 })).toBe(value === bound);
      }),
    );
  });

  it('an IPv4 address is inside its own /24 and a /0', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const network = `${ip.split('.').slice(0, 3).join('.')}.0/24`;

        expect(matchesEventPattern({ ip: [{ cidr: network }] }, { ip })).toBe(true);
        expect(matchesEventPattern({ ip: [{ cidr: '0.0.0.0/0' }] }, { ip })).toBe(true);
      }),
    );
  });
});
