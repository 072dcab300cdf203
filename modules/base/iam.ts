/** Least-privilege service roles: explicit grants, and a trust policy limited to the platform's own account. */
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
  type DataAwsIamPolicyDocumentStatementCondition,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import type { Grant } from '../role-policies';

// Grants are plain data shared with the local cloud's glue (modules/role-policies.ts, no cdktf import).
export { logWriteGrant, xrayWriteGrant, type Grant } from '../role-policies';

/**
 * Who may make the service assume the role (confused-deputy protection): the account the calling resource lives
 * in, and optionally an ARN pattern it must match. `unsupported` says why a role has none: only where AWS documents
 * no source context for that service's assumption (the policy Aspect accepts a role with one or the other).
 */
export type TrustConditions =
  | { readonly sourceAccount: string; readonly sourceArnLike?: string }
  | { readonly unsupported: string };

/** The account id inside an ARN, as a Terraform expression (no caller-identity data source, so plan stays offline). */
export const accountIdOf = (arn: string): string => Fn.element(Fn.split(':', arn), 4);

export interface ServiceRoleProps {
  readonly roleName: string;
  /** The service principal allowed to assume the role, e.g. lambda.amazonaws.com. */
  readonly servicePrincipal: string;
  readonly grants: readonly Grant[];
  readonly trust: TrustConditions;
}

/**
 * A role one AWS service assumes, with an inline least-privilege policy. Policy documents are the
 * aws_iam_policy_document data source, which Terraform renders locally (no AWS call at plan time).
 */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly trustConditions: TrustConditions;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.trustConditions = props.trust;
    const conditions: DataAwsIamPolicyDocumentStatementCondition[] =
      'unsupported' in props.trust
        ? []
        : [
            { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.trust.sourceAccount] },
            ...(props.trust.sourceArnLike === undefined
              ? []
              : [{ test: 'ArnLike', variable: 'aws:SourceArn', values: [props.trust.sourceArnLike] }]),
          ];
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [
        {
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: [props.servicePrincipal] }],
          ...(conditions.length === 0 ? {} : { condition: conditions }),
        },
      ],
    });
    this.role = new IamRole(this, 'role', { name: props.roleName, assumeRolePolicy: trust.json });
    if (props.grants.length > 0) {
      const policy = new DataAwsIamPolicyDocument(this, 'policy', { statement: props.grants.map(toStatement) });
      new IamRolePolicy(this, 'inline', { name: `${props.roleName}-policy`, role: this.role.id, policy: policy.json });
    }
  }
}

const toStatement = (grant: Grant): DataAwsIamPolicyDocumentStatement => ({
  ...(grant.sid === undefined ? {} : { sid: grant.sid }),
  effect: 'Allow',
  actions: [...grant.actions],
  resources: [...grant.resources],
});
