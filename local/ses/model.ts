/** A mail the local SES captured instead of sending: what the control plane lists and the persistence stores. */
export interface CapturedEmail {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly sentAt: string;
}
