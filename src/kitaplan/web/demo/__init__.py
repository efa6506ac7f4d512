"""The demo city (Berlin, Dresden): every demo builder of every app, in one package."""
