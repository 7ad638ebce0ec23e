"""DynamoDB for the stack: moto's server in a process of its own (server), started and given the
template's tables by embedded, or any DynamoDB-compatible endpoint you name."""
