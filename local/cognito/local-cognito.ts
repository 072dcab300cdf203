/**
 * A Cognito user pool emulation for the local cloud (engine.ts, protocol cognito-api.ts) (signing name `cognito-idp`, AWS JSON 1.1 protocol), serving
 * the part of the API the platform, its tests and the dashboard use:
 *
 *   InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH / REFRESH_TOKEN; unsigned, as in AWS), GetUser (access
 *   token), AdminCreateUser, AdminSetUserPassword, AdminAddUserToGroup, AdminGetUser, ListUsers, CreateGroup,
 *   CreateUserPool, CreateUserPoolClient (signed).
 *
 * Tokens are RS256 JWTs with Cognito's claims, signed by a key pair generated when the pool is created; the public
 * key is served as the pool's JWKS at `GET /<userPoolId>/.well-known/jwks.json` on the edge (see `route`), and the
 * issuer is `<edge URL>/<userPoolId>`. Passwords are kept as scrypt hashes. Errors carry Cognito's exception names,
 * so the unmodified SDK raises NotAuthorizedException, UserNotFoundException and the like.
 */
import type { ExtraRoute } from '../edge/server';
import type { EdgeRequest, EdgeResponse, ServiceEmulator } from '../edge/types';
import { cognitoRoute, handleCognitoRequest } from './cognito-api';
import { CognitoEngine } from './engine';

export { stableSub, passwordPolicyViolations } from './model';
export type {
  UserStatus,
  PasswordHash,
  User,
  Client,
  Pool,
  RefreshGrant,
  LocalCognitoOptions,
  AuthenticationResult,
  Body,
} from './model';

export class LocalCognito extends CognitoEngine implements ServiceEmulator {
  readonly signingNames = ['cognito-idp'] as const;

  /** Answers every client error in AWS's shape with the CORS headers, so a browser can read NotAuthorizedException. */
  readonly handle = (request: EdgeRequest): Promise<EdgeResponse> => handleCognitoRequest(this, request);

  /**
   * The edge route for the pool's public documents (JWKS, OpenID configuration) and the browser's CORS preflight
   * to the Cognito endpoint. Answers undefined for everything else.
   */
  readonly route: ExtraRoute = cognitoRoute(this);
}
