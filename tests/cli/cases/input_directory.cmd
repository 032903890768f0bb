count .
