/**
 * The customer's address from the identity: the Cognito user whose `sub` is the customer id (the API's caller
 * id), its `email` attribute and `name` (or username). One AdminGetUser with the sub as `Username`, which Cognito
 * accepts for a local user; not ListUsers with a `sub = "<id>"` filter, whose quota category (UserList, 30 requests
 * per second per account, not adjustable) would cap the emails at 30 orders/s, where AdminGetUser's (UserRead) is 120
 * and adjustable (docs/decisions.md). The answer's `sub` is checked, so a user found under a username equal to another
 * customer's id is never taken for that customer.
 */
import { AdminGetUserCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { CUSTOMER_ID_PATTERN as CUSTOMER_ID } from '../../core/domain/ids';
import type { CustomerContact, CustomerDirectory } from '../../core/notifications/customer-directory';

export class CognitoCustomerDirectory implements CustomerDirectory {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async contactOf(customerId: string): Promise<CustomerContact | undefined> {
    if (!CUSTOMER_ID.test(customerId)) return undefined;
    let user: { Username?: string; UserAttributes?: { Name?: string; Value?: string }[] };
    try {
      user = await this.client.send(new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: customerId }));
    } catch (error) {
      if ((error as Error).name === 'UserNotFoundException') return undefined;
      throw error;
    }
    const attributes = new Map((user.UserAttributes ?? []).map((attribute) => [attribute.Name, attribute.Value]));
    if (attributes.get('sub') !== customerId) return undefined;
    const email = attributes.get('email');
    if (email === undefined || email === '') return undefined;
    return { email, name: attributes.get('name') ?? attributes.get('given_name') ?? user.Username ?? customerId };
  }
}
