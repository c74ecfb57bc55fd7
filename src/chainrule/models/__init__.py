"""The book's networks and data, built on the engine: the digits data, the source's MLP
(with the engine and by hand), deep stacks, batch normalisation, optimisers, and the
quadratic bowls of chapter 3."""
