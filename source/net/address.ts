/**
Where a message goes or comes from, as one number: a replica's id (0 and up), or a client, as a
negative number (client 1 is -2, client 2 is -3 …), so that one integer names every endpoint
and a network can tell replica traffic from client traffic by its sign.
*/
export type Address = number;

export const clientAddress = (clientId: number): Address => -clientId - 1;

export const clientOf = (address: Address): number => -address - 1;

export const isClient = (address: Address): boolean => address < 0;
