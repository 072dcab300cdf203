import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';

/** One IAM statement: explicit actions on explicit resources (the policy Aspect rejects wildcards). */
export interface Grant {
  readonly sid?: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** The trace upload X-Ray documents with Resource "*" (no resource-level permission exists). */
export const xrayWriteGrant: Grant = { sid: 'XRayWrite', actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] };

/** Writing to one log group's streams. */
export const logWriteGrant = (logGroupArn: string): Grant => ({
  sid: 'Logs',
  actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  resources: [`${logGroupArn}:*`],
});

export interface ServiceRoleProps {
  readonly roleName: string;
  /** The service principal allowed to assume the role, e.g. lambda.amazonaws.com. */
  readonly servicePrincipal: string;
  readonly grants: readonly Grant[];
}

/**
 * A role one AWS service assumes, with an inline least-privilege policy. Policy documents are the
 * aws_iam_policy_document data source, which Terraform renders locally (no AWS call at plan time).
 */
export class ServiceRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: [props.servicePrincipal] }] }],
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
