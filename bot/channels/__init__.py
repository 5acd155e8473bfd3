"""The ways residents reach the assistant (Rasa input channels), and what they share."""
