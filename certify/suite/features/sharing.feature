Feature: Sharing: the app follows what the marketplace tells it
  An admin who installs the app can share it with other users of the
  company. The marketplace tells the app in a sharing callback (a POST to
  the callback URL), and again when the admin makes the app private. A user
  who never authorized the app themselves uses its JSON panel and link
  action through the admin's installation, and only while it is shared with
  them; its JSON modals and Custom UI pages never. The app is held to what it can know: who authorized it, and the
  latest sharing callback of each installation.

  Background:
    Given Acme, a company with Alice, an admin, and Bob

  @PD-SHARE-24
  Scenario: The app accepts the sharing callback and follows the latest one
    Given Alice installs the app and shares it with Bob
    Then the app accepted every sharing callback
    And Bob's extensions are answered
    When Alice removes the app from the other users
    Then the app accepted every sharing callback
    And Bob's extensions are refused
    When Alice adds the app for Bob again
    Then the app accepted every sharing callback
    And Bob's extensions are answered

  @PD-SHARE-21
  Scenario: A user the app was never shared with gets none of its extensions
    Given Alice installs the app for herself
    Then Alice's extensions are answered
    But Bob's extensions are refused

  @PD-SHARE-21
  Scenario: Once the admin makes the app private again, its extensions are refused
    JSON modals and Custom UI pages are never shared: the marketplace shows
    Bob none while the app is shared with him, and the app refuses them.

    Given Alice installs the app for herself
    And Alice adds the app for Bob
    And Bob's extensions are answered
    When Alice removes the app from the other users
    Then Bob's extensions are refused

  @PD-SHARE-22
  Scenario: Once the app is removed from a user, neither its panel nor its link action works for them
    Given Alice installs the app and shares it with Bob
    And Bob's extensions are answered
    When Alice removes the app from the other users
    Then Bob's extensions are refused

  @PD-SHARE-23
  Scenario: A shared viewer does not see the admin's owner-only deal
    Deal 3 of every company is visible to its owner only (visible_to 1), and
    Alice, the company's first admin, owns it. Bob's panel, served through
    Alice's token, must never carry it; a panel that shows only the deal it
    is asked about passes.

    Given Alice installs the app and shares it with Bob
    Then Bob's JSON panel on deals 1, 2 and 3 shows nothing only Alice may see
