import { IonfluxError } from '../errors';

export class InvalidAccountIdError extends IonfluxError {
  constructor(provider: string, accountId: string, expected: string) {
    super('invalid_account_id', `"${accountId}" is not a valid ${provider} account id (${expected})`, {
      status: 400,
      details: { provider, account_id: accountId },
    });
  }
}

export class AccountOwnedElsewhereError extends IonfluxError {
  constructor(provider: string, accountId: string, owner: string) {
    super('account_connected_elsewhere', `${provider} account ${accountId} is already connected to workspace ${owner}`, {
      status: 409,
      details: { provider, account_id: accountId, workspace_id: owner },
    });
  }
}

export class ConnectionNotFoundError extends IonfluxError {
  constructor(provider: string, accountId: string) {
    super('connection_not_found', `no workspace is connected to ${provider} account ${accountId}`, {
      status: 404,
      details: { provider, account_id: accountId },
    });
  }
}
