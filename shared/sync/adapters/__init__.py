"""The sync capability's adapters: Linear's GraphQL API, the sync store in Firestore."""
