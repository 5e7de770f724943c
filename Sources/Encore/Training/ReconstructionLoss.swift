/// The reconstruction loss a deep autoencoder trains on. DeepRecommender's masked MSE is the
/// default; the others are what the seeds' notebooks minimise, so that their printed losses
/// and learning rates mean the same in Encore. Train and validation RMSE are always reported
/// over the observed ratings.
public enum ReconstructionLoss: String, Codable, CaseIterable, Sendable {
  /// Σ_observed (ŷ − y)² / (number observed): DeepRecommender's MSEloss, size_average=False.
  case masked
  /// Σ_observed (ŷ − y)² / (rows × columns): the same errors averaged over every cell, as
  /// DeepRecommender's size_average=True (seed 003) and Keras' reduce_mean of a masked error
  /// (seed 001) do. A smaller gradient by the density of the batch.
  case allCells = "all-cells"
  /// √(Σ_observed (ŷ − y)² / number observed): the RMSE itself as the objective (seed 000).
  case rmse
  /// Σ_all cells (ŷ − y)² / (rows × columns) with y = 0 where not rated: plain nn.MSELoss on
  /// the dense matrix (seed 002), which also teaches the network that missing means 0.
  /// Its cost grows with rows × columns, not with the ratings.
  case unmasked
}
