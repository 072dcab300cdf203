/**
 * IAM on the edge: every signed request's access key id names a principal (a deployed role, given its policy
 * statements by whoever starts the cloud); the call is evaluated against those statements and answered as AWS
 * answers a denial. Unknown or anonymous access keys (a developer's own CLI or SDK) stay allowed, so the edge
 * remains a convenient dev tool; `enforce: false` (LOCAL_IAM=off) turns enforcement off altogether.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { EdgeRequest, EdgeResponse, RequestPrincipal } from '../edge/types';
import { evaluate, type Decision, type PolicyStatement } from './evaluator';
import { requiredPermissions, type RequiredPermission, type ResourceContext } from './operations';

/** One principal the local cloud knows: the role a function or the API runs as. */
export interface LocalPrincipal {
  /**
   * The access key id its process signs with (AWS_ACCESS_KEY_ID); names the role. Letters and digits only:
   * DynamoDB Local refuses any other access key (UnrecognizedClientException), enforcement on or off.
   */
  readonly accessKeyId: string;
  readonly roleName: string;
  /** The session name in its assumed-role ARN (a Lambda's is the function name). */
  readonly sessionName: string;
  /** The statements of its identity-based policies, as the deployed stack synthesises them. */
  readonly statements: readonly PolicyStatement[];
}

/** A refused call: who, what, on which resource, and whether a Deny said so. */
export interface Denial {
  readonly principalArn: string;
  readonly permission: RequiredPermission;
  readonly decision: Exclude<Decision, 'Allow'>;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The SigV4 access key id of a request (Authorization header, or X-Amz-Credential of a presigned URL). */
export const accessKeyIdOf = (request: Pick<EdgeRequest, 'headers' | 'query'>): string | undefined => {
  const authorization = header(request.headers, 'authorization');
  const credential =
    (authorization === undefined ? undefined : /Credential=([^,\s]+)/.exec(authorization)?.[1]) ??
    request.query.get('X-Amz-Credential') ??
    undefined;
  const id = credential?.split('/')[0];
  return id === undefined || id.length === 0 ? undefined : id;
};

const ACCESS_KEY_ID = /^[A-Za-z0-9]{1,128}$/;

/** A principal the local cloud cannot enforce as described (an unusable or shared access key id). */
export class LocalPrincipalInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalPrincipalInvalidError';
  }
}

export interface LocalIamOptions {
  /** Evaluate calls of known principals (default true). */
  readonly enforce: boolean;
  readonly account: string;
  readonly principals?: readonly LocalPrincipal[];
  readonly resources: ResourceContext;
}

export class LocalIam {
  private readonly byKey = new Map<string, LocalPrincipal>();
  private readonly decisions = { allowed: 0, denied: 0 };

  constructor(private readonly options: LocalIamOptions) {
    this.setPrincipals(options.principals ?? []);
  }

  get enforcing(): boolean {
    return this.options.enforce;
  }

  /** Replaces the known principals (the cloud learns them once its resources, and so their ARNs, exist). */
  setPrincipals(principals: readonly LocalPrincipal[]): void {
    const byKey = new Map<string, LocalPrincipal>();
    for (const principal of principals) {
      if (!ACCESS_KEY_ID.test(principal.accessKeyId))
        throw new LocalPrincipalInvalidError(
          `the access key id ${JSON.stringify(principal.accessKeyId)} of ${principal.roleName} must be letters and digits only (DynamoDB Local refuses others)`,
        );
      if (byKey.has(principal.accessKeyId))
        throw new LocalPrincipalInvalidError(`the access key id ${principal.accessKeyId} names two roles`);
      byKey.set(principal.accessKeyId, principal);
    }
    this.byKey.clear();
    for (const [key, principal] of byKey) this.byKey.set(key, principal);
  }

  principals(): LocalPrincipal[] {
    return [...this.byKey.values()];
  }

  arnOf(principal: LocalPrincipal): string {
    return `arn:aws:sts::${this.options.account}:assumed-role/${principal.roleName}/${principal.sessionName}`;
  }

  /** The principal a request is signed as, when enforcement is on and its key is known. */
  principalOf(request: Pick<EdgeRequest, 'headers' | 'query'>): RequestPrincipal | undefined {
    if (!this.options.enforce) return undefined;
    const key = accessKeyIdOf(request);
    const principal = key === undefined ? undefined : this.byKey.get(key);
    if (principal === undefined) return undefined;
    return {
      arn: this.arnOf(principal),
      allows: (action, resource) => evaluate(principal.statements, { action, resource }) === 'Allow',
    };
  }

  /**
   * The session name (a function's name) of the principal whose access key signed the request, enforcing or not: who
   * made a call, for the fault plane.
   */
  sessionNameOf(request: Pick<EdgeRequest, 'headers' | 'query'>): string | undefined {
    const key = accessKeyIdOf(request);
    return key === undefined ? undefined : this.byKey.get(key)?.sessionName;
  }

  /** How many calls of known principals were evaluated and allowed, and how many refused, since the start. */
  counts(): { readonly allowed: number; readonly denied: number } {
    return { ...this.decisions };
  }

  /** The first permission the request lacks, or undefined when it may proceed. */
  check(request: EdgeRequest): Denial | undefined {
    if (!this.options.enforce) return undefined;
    const key = accessKeyIdOf(request);
    const principal = key === undefined ? undefined : this.byKey.get(key);
    if (principal === undefined) return undefined;
    const needed = requiredPermissions(request, this.options.resources);
    for (const permission of needed ?? []) {
      const decision = evaluate(principal.statements, { action: permission.action, resource: permission.resource });
      if (decision !== 'Allow') {
        this.decisions.denied += 1;
        return { principalArn: this.arnOf(principal), permission, decision };
      }
    }
    this.decisions.allowed += 1;
    return undefined;
  }
}

/** AWS's wording of a denial by identity-based policies. */
export const denialMessage = (denial: Denial): string =>
  `User: ${denial.principalArn} is not authorized to perform: ${denial.permission.action} on resource: ${denial.permission.resource} ${
    denial.decision === 'ExplicitDeny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${denial.permission.action} action`
  }`;

const xmlEscape = (value: string): string =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The S3 answer for a denial (403 AccessDenied, XML; a HEAD has no body). */
export const s3AccessDenied = (message: string, method: string): EdgeResponse =>
  method === 'HEAD'
    ? { status: 403, headers: { 'x-amz-error-code': 'AccessDenied' } }
    : {
        status: 403,
        headers: { 'content-type': 'application/xml' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${xmlEscape(message)}</Message><RequestId>local</RequestId></Error>`,
      };

/** A denial answered in the protocol of the service called, as AWS answers it. */
export const accessDeniedResponse = (request: EdgeRequest, denial: Denial): EdgeResponse => {
  const message = denialMessage(denial);
  switch (request.service) {
    case 's3':
      return s3AccessDenied(message, request.method);
    case 'sqs':
      if (String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return {
          status: 403,
          headers: { 'content-type': 'text/xml' },
          body: `<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${xmlEscape(message)}</Message><Detail/></Error><RequestId>local</RequestId></ErrorResponse>`,
        };
      }
      return {
        status: 403,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': 'AccessDenied;Sender',
          'x-amzn-errortype': 'AccessDeniedException',
        },
        body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }),
      };
    case 'lambda':
    case 'ses':
    case 'xray':
      return {
        status: 403,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
        body: JSON.stringify({ Type: 'User', message, Message: message }),
      };
    default:
      return {
        status: 400,
        headers: {
          'content-type': request.service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
          'x-amzn-errortype': 'AccessDeniedException',
        },
        body: JSON.stringify({ __type: 'AccessDeniedException', message }),
      };
  }
};
