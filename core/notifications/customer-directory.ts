/**
 * Where a customer's email address comes from: the identity (the Cognito user whose `sub` is the customer id,
 * lambdas/processors/cognito-customer-directory.ts), never a request body or an event a caller could shape.
 */
export interface CustomerContact {
  readonly email: string;
  readonly name: string;
}

export interface CustomerDirectory {
  /** The customer's contact, or undefined when the identity has none. */
  contactOf(customerId: string): Promise<CustomerContact | undefined>;
}
