/**
 * Where a customer's email address comes from: never from a request body or an event a caller could shape. In
 * AWS this port is the Cognito user pool's `email` attribute of the user whose `sub` is the customer id; until
 * the identity issue lands, the demo directory below answers for the demo users and gives every other customer id
 * an address under the reserved `.test` domain, which no real mail server accepts.
 */
export interface CustomerContact {
  readonly email: string;
  readonly name: string;
}

export interface CustomerDirectory {
  contactOf(customerId: string): Promise<CustomerContact | undefined>;
}

const DEMO_CUSTOMERS: Readonly<Record<string, CustomerContact>> = {
  alice: { email: 'alice@example.com', name: 'Alice' },
  bob: { email: 'bob@example.com', name: 'Bob' },
  admin: { email: 'ops@example.com', name: 'Operations' },
};

const CUSTOMER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const demoCustomerDirectory: CustomerDirectory = {
  contactOf: async (customerId) => {
    if (!CUSTOMER_ID.test(customerId)) return undefined;
    return DEMO_CUSTOMERS[customerId] ?? { email: `${customerId.toLowerCase()}@customers.example.test`, name: customerId };
  },
};
