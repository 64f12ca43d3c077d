a = 3.0
b = a + a