"""kitaplan: plan and steer municipal childcare."""
