Feature: Scopes: the app calls what it was granted, and uses what it asks for
  Each call the app makes to the API is checked against the scopes granted
  to it. A call outside them fails; a scope granted and never used is a
  warning (least privilege), not a failure.

  Background:
    Given Acme, a company with Alice, an admin, and Bob
    And Alice installs the app for herself

  @PD-SCOPE-07
  Scenario: Every API call is within the granted scopes
    When Alice uses the app's extensions
    Then the app called only what its scopes allow

  @PD-SCOPE-08
  Scenario: Every granted scope is used
    When Alice uses the app's extensions
    Then the app used every scope it was granted
