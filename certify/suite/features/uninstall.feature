Feature: Uninstall: only a genuine uninstall ends a user's access
  The marketplace sends DELETE to the callback URL with Basic auth
  client_id:client_secret. Anyone could send one without those credentials,
  so the app ignores it; after a genuine one it serves the user no more.

  Background:
    Given Acme, a company with Alice, an admin, and Bob
    And Alice installs the app for herself

  @PD-UNINST-02
  Scenario: A forged uninstall changes nothing; a genuine one ends the user's access
    When an uninstall for Alice arrives with wrong credentials
    Then Alice's extensions are answered
    When an uninstall for Alice arrives with missing credentials
    Then Alice's extensions are answered
    When Alice uninstalls the app
    Then Alice's extensions are refused
