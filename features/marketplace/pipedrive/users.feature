@pipedrive
Feature: What an added user sees, and what the app is told
  A user an admin added an app for sees it as "Added by Admin" until they
  authorize it; extensions work for them only as the app's sharing mode
  allows; the app hears about installs and sharing at its Callback URL.

  Background:
    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Dave  | admin |
      | Bob   | user  |
      | Carol | user  |
    And the app "Deal Insights" is shared in the shared-extensions mode
    And the app "Notes Sync" is shared in the add-to-account mode

  @PD-SHARE-14 @PD-SHARE-27 @assumed
  Scenario: An added user sees the app in its own section with a bubble until they authorize
    When Alice installs "Deal Insights" for all users
    Then Bob sees "Deal Insights" in the "Added by Admin" section of the apps dock
    When Bob opens Pipedrive
    Then Bob sees the notification bubble
    When Bob opens Pipedrive
    Then Bob sees the notification bubble
    When Bob authorizes "Deal Insights"
    Then Bob does not see the notification bubble
    And Bob sees "Deal Insights" under quick access or other apps in the apps dock
    And Alice sees "Deal Insights" under quick access or other apps in the apps dock

  @PD-SHARE-14
  Scenario: The bubble appears only when the user next opens or refreshes Pipedrive
    Given Bob opens Pipedrive
    When Alice installs "Deal Insights" for Bob and Carol
    Then Bob does not see the notification bubble
    And Carol does not see the notification bubble
    When Bob opens Pipedrive
    Then Bob sees the notification bubble
    And Carol does not see the notification bubble

  @PD-SHARE-14
  Scenario: A later addition brings the bubble back at the next refresh
    Given Alice has installed "Deal Insights" for all users
    And Bob has authorized "Deal Insights"
    And Bob opens Pipedrive
    When Alice installs "Notes Sync" for Bob
    Then Bob does not see the notification bubble
    And Bob sees "Notes Sync" in the "Added by Admin" section of the apps dock
    When Bob opens Pipedrive
    Then Bob sees the notification bubble

  @PD-SHARE-15
  Scenario: The three statuses of an app for a user
    Given Alice has installed "Deal Insights" for all users
    Then Bob sees "Deal Insights" as "Authorize app"
    When Bob authorizes "Deal Insights"
    Then Bob sees "Deal Insights" as "Authorized"
    When Bob's authorization of "Deal Insights" expires
    Then Bob sees "Deal Insights" as "Re-authorize"
    And Alice sees "Deal Insights" as "Authorized"
    When Bob re-authorizes "Deal Insights"
    Then Bob sees "Deal Insights" as "Authorized"

  @PD-SHARE-15
  Scenario: The app's scopes changed, so it must be re-authorized
    Given Alice has installed "Deal Insights" for all users
    And Bob has authorized "Deal Insights"
    When the vendor changes the scopes of "Deal Insights" to "deals:full"
    Then Bob sees "Deal Insights" as "Re-authorize"
    And Alice sees "Deal Insights" as "Re-authorize"
    And Carol sees "Deal Insights" as "Authorize app"

  @PD-SHARE-15
  Scenario Outline: Only an app waiting for authorization can be authorized
    Given Alice has installed "Deal Insights" for Bob
    And Bob has authorized "Deal Insights"
    When <who> authorizes "Deal Insights"
    Then it is refused because "<reason>"

    Examples:
      | who   | reason                 |
      | Bob   | already authorized     |
      | Carol | app not added to user  |

  @PD-SHARE-16
  Scenario Outline: Extensions for an added user who has not authorized the app
    Given the app "Panel Pro" is shared in the <mode> mode
    And Alice has installed "Panel Pro" for all users
    Then Bob's <extension> of "Panel Pro" <without authorizing>
    And Alice's <extension> of "Panel Pro" works
    When Bob authorizes "Panel Pro"
    Then Bob's <extension> of "Panel Pro" works

    Examples: the default sharing mode
      | mode           | extension                    | without authorizing   |
      | add-to-account | link action                  | needs authorization   |
      | add-to-account | JSON panel                   | needs authorization   |
      | add-to-account | JSON modal                   | needs authorization   |
      | add-to-account | custom UI panel              | needs authorization   |
      | add-to-account | custom UI modal              | needs authorization   |
      | add-to-account | custom UI floating window    | needs authorization   |
      | add-to-account | apps-dock floating window    | opens the app details |
      | add-to-account | custom UI settings page      | needs authorization   |
      | add-to-account | messaging extension          | needs authorization   |

    Examples: the legacy shared-extensions mode
      | mode              | extension                    | without authorizing   |
      | shared-extensions | link action                  | works                 |
      | shared-extensions | JSON panel                   | works                 |
      | shared-extensions | JSON modal                   | needs authorization   |
      | shared-extensions | custom UI panel              | needs authorization   |
      | shared-extensions | custom UI modal              | needs authorization   |
      | shared-extensions | custom UI floating window    | needs authorization   |
      | shared-extensions | apps-dock floating window    | opens the app details |
      | shared-extensions | custom UI settings page      | needs authorization   |
      | shared-extensions | messaging extension          | needs authorization   |

  @PD-SHARE-16
  Scenario: A user whose authorization expired must re-authorize to use an extension
    Given Alice has installed "Deal Insights" for all users
    And Bob has authorized "Deal Insights"
    When Bob's authorization of "Deal Insights" expires
    Then Bob's JSON modal of "Deal Insights" needs re-authorization

  @PD-SHARE-17
  Scenario: A user who authorizes is sent to the app's Installation URL
    Given the app "Onboard" is shared in the add-to-account mode
    And the app "Onboard" has the Installation URL "https://onboard.example/start"
    And Alice has installed "Onboard" for all users
    When Bob authorizes "Onboard"
    Then Bob is sent to "https://onboard.example/start"

  @PD-SHARE-17 @PD-OAUTH-01
  Scenario: Without an Installation URL a user is sent back to the app with a code
    When Carol installs "Notes Sync"
    Then Carol is sent back to the app with an authorization code

  @PD-SHARE-18
  Scenario Outline: Shared extensions act on behalf of the user who installed the app
    Given Alice has installed "Deal Insights" for all users
    Then Bob's <extension> of "Deal Insights" acts on behalf of Alice
    When Bob authorizes "Deal Insights"
    Then Bob's <extension> of "Deal Insights" acts on behalf of Bob

    Examples:
      | extension   |
      | link action |
      | JSON panel  |

  @PD-SHARE-19 @PD-EXT-01
  Scenario: A JSON panel request says whether the viewer has the app because it was shared
    Given Alice has installed "Deal Insights" for all users
    Then Bob's JSON panel request for "Deal Insights" carries isShared true
    And Alice's JSON panel request for "Deal Insights" carries isShared false
    When Bob authorizes "Deal Insights"
    Then Bob's JSON panel request for "Deal Insights" carries isShared false

  @PD-SHARE-20 @assumed
  Scenario: The app is told when an admin shares it, when a user installs it, and when it is made private
    When Alice installs "Deal Insights" for Bob
    Then "Deal Insights" receives a sharing callback for Alice with isShared true
    When Bob authorizes "Deal Insights"
    Then "Deal Insights" receives a sharing callback for Bob with isShared false
    When Alice removes "Deal Insights" from Bob
    Then "Deal Insights" receives a sharing callback for Alice with isShared false

  @PD-SHARE-20 @assumed
  Scenario: A private install tells the app isShared false
    When Carol installs "Notes Sync"
    Then "Notes Sync" receives a sharing callback for Carol with isShared false

  @PD-SHARE-20 @assumed
  Scenario: Specific users naming only the installer is a private install, and making it private sends nothing
    When Alice installs "Deal Insights" for Alice
    Then "Deal Insights" receives a sharing callback for Alice with isShared false
    And nobody gets an in-app notification
    When Alice makes "Deal Insights" private
    Then "Deal Insights" receives no sharing callback
    When Alice adds "Deal Insights" to Bob
    Then "Deal Insights" receives a sharing callback for Alice with isShared true
    When Alice makes "Deal Insights" private
    Then "Deal Insights" receives a sharing callback for Alice with isShared false

  @PD-SHARE-20 @assumed
  Scenario: Adding a user to an app already shared sends no new callback
    Given Alice has installed "Deal Insights" for Bob
    When Alice adds "Deal Insights" to Carol
    Then "Deal Insights" receives no sharing callback

  @PD-UNINST-01
  Scenario: Uninstalling tells the app which user of which company uninstalled it, and when
    Given Bob has installed "Notes Sync"
    When Bob uninstalls "Notes Sync"
    Then "Notes Sync" receives an uninstall callback for Bob
    And Bob does not have "Notes Sync"

  @PD-UNINST-01
  Scenario: Only an installed app can be uninstalled
    When Bob uninstalls "Notes Sync"
    Then it is refused because "not installed"

  @PD-OAUTH-01 @PD-SCOPE-03
  Scenario: A user who denies the scopes is sent back with error=user_denied
    When Bob installs "Notes Sync" and denies the scopes
    Then Bob is sent back to the app with "error=user_denied"
    And Bob does not have "Notes Sync"

  @PD-OAUTH-01
  Scenario: An added user who denies the scopes keeps the app waiting for authorization
    Given Alice has installed "Deal Insights" for Bob
    When Bob denies the scopes of "Deal Insights"
    Then Bob is sent back to the app with "error=user_denied"
    And Bob sees "Deal Insights" as "Authorize app"
