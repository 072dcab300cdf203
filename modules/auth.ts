/** Auth layer: the Cognito user pool the API verifies tokens against, a public app client, an admin group. */
import { Construct } from 'constructs';
import { CognitoUserGroup } from '@cdktf/provider-aws/lib/cognito-user-group';
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';

export interface AuthLayerProps {
  readonly prefix: string;
  readonly deletionProtection: boolean;
}

export class AuthLayer extends Construct {
  readonly userPool: CognitoUserPool;
  readonly client: CognitoUserPoolClient;

  constructor(scope: Construct, id: string, props: AuthLayerProps) {
    super(scope, id);
    this.userPool = new CognitoUserPool(this, 'user-pool', {
      name: `${props.prefix}-users`,
      usernameAttributes: ['email'],
      autoVerifiedAttributes: ['email'],
      mfaConfiguration: 'OPTIONAL',
      softwareTokenMfaConfiguration: { enabled: true },
      passwordPolicy: {
        minimumLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: false,
        temporaryPasswordValidityDays: 3,
      },
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      deletionProtection: props.deletionProtection ? 'ACTIVE' : 'INACTIVE',
    });
    this.client = new CognitoUserPoolClient(this, 'client', {
      name: `${props.prefix}-dashboard`,
      userPoolId: this.userPool.id,
      generateSecret: false,
      // The dashboard signs in with USER_PASSWORD_AUTH over HTTPS (the same call the local Cognito serves); SRP stays allowed.
      explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: 'ENABLED',
      accessTokenValidity: 1,
      idTokenValidity: 1,
      refreshTokenValidity: 30,
      tokenValidityUnits: [{ accessToken: 'hours', idToken: 'hours', refreshToken: 'days' }],
      enableTokenRevocation: true,
    });
    new CognitoUserGroup(this, 'admin-group', {
      name: 'admin',
      userPoolId: this.userPool.id,
      description: 'Operators: redrive, parked orders, all customers',
    });
  }
}
