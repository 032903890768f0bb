merge - -
