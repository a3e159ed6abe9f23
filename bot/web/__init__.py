"""The bot's HTTP server: health and metrics, channel endpoints (OneBot), the admin console and simulator."""
