"""Customer value: lifetime value, profitability, churn risk, customer equity."""
