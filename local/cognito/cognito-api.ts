/**
 * The Cognito identity provider's JSON protocol (AWS JSON 1.1, signing name `cognito-idp`; InitiateAuth and GetUser
 * unsigned, as in AWS) over a CognitoEngine, with CORS so the dashboard can call it from the browser, and the edge
 * route serving each pool's JWKS and OpenID configuration.
 */
import type { ExtraRoute } from '../edge/server';
import { AwsServiceError, jsonErrorResponse, jsonResponse, type EdgeRequest, type EdgeResponse } from '../edge/types';
import type { CognitoEngine } from './engine';
import { CORS_HEADERS, UNSIGNED_ACTIONS, invalidParameter, stringField, requiredString, type Body } from './model';

/** Answers every client error in AWS's shape with the CORS headers, so a browser can read NotAuthorizedException. */
export const handleCognitoRequest = async (engine: CognitoEngine, request: EdgeRequest): Promise<EdgeResponse> => {
  try {
    return {
      ...jsonResponse(answer(engine, request)),
      headers: { 'content-type': 'application/x-amz-json-1.1', ...CORS_HEADERS },
    };
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    const response = jsonErrorResponse(error);
    return { ...response, headers: { ...response.headers, ...CORS_HEADERS } };
  }
};

const answer = (engine: CognitoEngine, request: EdgeRequest): unknown => {
  const action = request.action ?? '';
  let body: Body;
  try {
    const parsed: unknown = request.body.length === 0 ? {} : JSON.parse(request.body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new AwsServiceError('SerializationException', 'The request body must be a JSON object');
    body = parsed as Body;
  } catch (error) {
    if (error instanceof AwsServiceError) throw error;
    throw new AwsServiceError('SerializationException', 'The request body is not valid JSON');
  }
  if (!UNSIGNED_ACTIONS.has(action) && typeof request.headers.authorization !== 'string') {
    throw new AwsServiceError(
      'MissingAuthenticationTokenException',
      `${action || 'This action'} needs a SigV4-signed request`,
      403,
    );
  }
  return dispatch(engine, action, body);
};

/**
 * The edge route for the pool's public documents (JWKS, OpenID configuration) and the browser's CORS preflight
 * to the Cognito endpoint. Answers undefined for everything else.
 */
export const cognitoRoute =
  (engine: CognitoEngine): ExtraRoute =>
  async (request) => {
    if (
      request.method === 'OPTIONS' &&
      request.path === '/' &&
      request.headers['access-control-request-method'] !== undefined
    ) {
      return { status: 204, headers: { ...CORS_HEADERS } };
    }
    if (request.method !== 'GET' || typeof request.headers.authorization === 'string') return undefined;
    const match = /^\/([\w-]+_[0-9a-zA-Z]+)\/\.well-known\/(jwks\.json|openid-configuration)$/.exec(request.path);
    if (!match) return undefined;
    const [, poolId, document] = match as unknown as [string, string, string];
    const pool = engine.pools.get(poolId);
    if (pool === undefined)
      return {
        status: 404,
        headers: { 'content-type': 'application/json', ...CORS_HEADERS },
        body: JSON.stringify({ message: `User pool ${poolId} does not exist.` }),
      };
    const published =
      document === 'jwks.json'
        ? engine.jwks(poolId)
        : {
            issuer: engine.issuer(poolId),
            jwks_uri: `${engine.issuer(poolId)}/.well-known/jwks.json`,
            id_token_signing_alg_values_supported: ['RS256'],
            subject_types_supported: ['public'],
            response_types_supported: ['token'],
          };
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300', ...CORS_HEADERS },
      body: JSON.stringify(published),
    };
  };

const dispatch = (engine: CognitoEngine, action: string, body: Body): unknown => {
  switch (action) {
    case 'InitiateAuth': {
      const parameters = body.AuthParameters ?? {};
      if (
        typeof parameters !== 'object' ||
        parameters === null ||
        Object.values(parameters).some((value) => typeof value !== 'string')
      )
        throw invalidParameter('AuthParameters must map names to strings');
      return engine.initiateAuth(
        requiredString(body, 'ClientId'),
        requiredString(body, 'AuthFlow'),
        parameters as Record<string, string>,
      );
    }
    case 'GetUser':
      return engine.getUser(requiredString(body, 'AccessToken'));
    case 'CreateUserPool': {
      const { id, arn } = engine.createUserPool(requiredString(body, 'PoolName'));
      return { UserPool: { Id: id, Name: body.PoolName, Arn: arn, CreationDate: engine.now() / 1000 } };
    }
    case 'CreateUserPoolClient': {
      const userPoolId = requiredString(body, 'UserPoolId');
      const { clientId } = engine.createUserPoolClient(userPoolId, requiredString(body, 'ClientName'));
      return {
        UserPoolClient: {
          UserPoolId: userPoolId,
          ClientId: clientId,
          ClientName: body.ClientName,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        },
      };
    }
    case 'CreateGroup': {
      const userPoolId = requiredString(body, 'UserPoolId');
      const groupName = requiredString(body, 'GroupName');
      const description = stringField(body, 'Description', false);
      engine.createGroup(userPoolId, groupName, description);
      return {
        Group: {
          GroupName: groupName,
          UserPoolId: userPoolId,
          ...(description === undefined ? {} : { Description: description }),
        },
      };
    }
    case 'AdminCreateUser': {
      const rawAttributes = body.UserAttributes ?? [];
      if (
        !Array.isArray(rawAttributes) ||
        rawAttributes.some(
          (entry: unknown) =>
            typeof (entry as Body | null)?.Name !== 'string' || typeof (entry as Body).Value !== 'string',
        )
      ) {
        throw invalidParameter('UserAttributes must be a list of {Name, Value} strings');
      }
      const attributes = Object.fromEntries(
        (rawAttributes as { Name: string; Value: string }[]).map((entry) => [entry.Name, entry.Value]),
      );
      return {
        User: engine.adminCreateUser(
          requiredString(body, 'UserPoolId'),
          requiredString(body, 'Username'),
          attributes,
          stringField(body, 'TemporaryPassword', false),
        ),
      };
    }
    case 'AdminSetUserPassword':
      engine.adminSetUserPassword(
        requiredString(body, 'UserPoolId'),
        requiredString(body, 'Username'),
        requiredString(body, 'Password'),
        body.Permanent === true,
      );
      return {};
    case 'AdminAddUserToGroup':
      engine.adminAddUserToGroup(
        requiredString(body, 'UserPoolId'),
        requiredString(body, 'Username'),
        requiredString(body, 'GroupName'),
      );
      return {};
    case 'AdminGetUser': {
      const user = engine.adminGetUser(requiredString(body, 'UserPoolId'), requiredString(body, 'Username'));
      return {
        Username: user.Username,
        UserAttributes: user.Attributes,
        UserCreateDate: user.UserCreateDate,
        UserLastModifiedDate: user.UserLastModifiedDate,
        Enabled: user.Enabled,
        UserStatus: user.UserStatus,
      };
    }
    case 'ListUsers': {
      const limit = body.Limit === undefined ? undefined : Number(body.Limit);
      return engine.listUsers(requiredString(body, 'UserPoolId'), limit, stringField(body, 'PaginationToken', false));
    }
    default:
      throw new AwsServiceError(
        'UnknownOperationException',
        `The local Cognito does not implement ${action || 'requests without X-Amz-Target'}`,
      );
  }
};
