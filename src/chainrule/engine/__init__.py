"""The automatic-differentiation engine: Tensors, the table of derivative rules, the
backward pass (reverse mode), forward mode, higher derivatives, and the tools that check
and show gradients (finite differences, Jacobians, traces, graphs, anomaly detection)."""
