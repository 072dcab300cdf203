/**
 * The customer's address from the identity: the Cognito user whose `sub` is the customer id (the API's caller
 * id), its `email` attribute and `name` (or username). ListUsers with the `sub = "<id>"` filter; the result is
 * checked again here, so an endpoint that ignores the filter still answers the right user.
 */
import { type CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CUSTOMER_ID_PATTERN as CUSTOMER_ID } from '../../core/domain/ids';
import type { CustomerContact, CustomerDirectory } from '../../core/notifications/customer-directory';

export class CognitoCustomerDirectory implements CustomerDirectory {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async contactOf(customerId: string): Promise<CustomerContact | undefined> {
    if (!CUSTOMER_ID.test(customerId)) return undefined;
    let paginationToken: string | undefined;
    do {
      const response = await this.client.send(
        new ListUsersCommand({
          UserPoolId: this.userPoolId,
          Filter: `sub = "${customerId}"`,
          PaginationToken: paginationToken,
        }),
      );
      for (const user of response.Users ?? []) {
        const attributes = new Map((user.Attributes ?? []).map((attribute) => [attribute.Name, attribute.Value]));
        if (attributes.get('sub') !== customerId) continue;
        const email = attributes.get('email');
        if (email === undefined || email === '') return undefined;
        return { email, name: attributes.get('name') ?? attributes.get('given_name') ?? user.Username ?? customerId };
      }
      paginationToken = response.PaginationToken;
    } while (paginationToken !== undefined);
    return undefined;
  }
}
