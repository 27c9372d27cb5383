"""Tsunagu subsidy: the municipal start-up subsidy (ひきこもり支援推進体制立ち上げ支援補助事業) from
application to payment, under its grant outline and the programme's budget."""
