@pipedrive
Feature: What holds for every action
  Every change is logged and can be replayed; a refused action changes
  nothing and says why; one company's actions never reach another.

  Background:
    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Dave  | admin |
      | Bob   | user  |
      | Carol | user  |
    And the company "Globex" with these people:
      | name | role  |
      | Gina | admin |
      | Hank | user  |
    And the app "Deal Insights" is shared in the shared-extensions mode
    And the app "Notes Sync" is shared in the add-to-account mode
    And the app "Notes Sync" does not allow choosing specific users

  @X-01
  Scenario: Every change is logged: who did what, to which company and app
    When Alice installs "Deal Insights" for Bob
    And Bob authorizes "Deal Insights"
    And the marketplace sets the sharing mode of "Notes Sync" to shared-extensions
    Then the event log ends with:
      | who             | company | app           | action           |
      | Alice           | Acme    | Deal Insights | install          |
      | Bob             | Acme    | Deal Insights | authorize        |
      | the marketplace |         | Notes Sync    | set sharing mode |
    And every event is numbered and timed in order

  @X-01
  Scenario: The event log replays to the same marketplace
    Given Alice has installed "Deal Insights" for Bob and emails them
    And Bob has authorized "Deal Insights"
    And Alice has added "Deal Insights" to all users
    And Erin joins "Acme"
    And Bob opens Pipedrive
    And Gina has installed "Notes Sync" for all users
    And the vendor changes the scopes of "Notes Sync" to "deals:full"
    And Bob's authorization of "Deal Insights" expires
    And Alice removes "Deal Insights" from Carol
    When Hank authorizes "Notes Sync"
    Then replaying the event log gives the same marketplace

  @X-01
  Scenario: A refused action is not logged
    Given Alice has installed "Deal Insights" for Bob
    When Bob installs "Deal Insights" for all users
    Then it is refused because "not admin"
    And the event log ends with:
      | who   | action  |
      | Alice | install |

  @X-02
  Scenario Outline: A refused action changes nothing and says why
    Given Alice has installed "Deal Insights" for Bob
    When <action>
    Then it is refused because "<reason>"
    And nothing has changed

    Examples:
      | action                                                      | reason                                      |
      | Bob installs "Deal Insights" for all users                  | not admin                                   |
      | Dave adds "Deal Insights" to Carol                          | not the adding admin                        |
      | the vendor sets the sharing mode of "Deal Insights" to none | only the marketplace sets the sharing mode  |
      | Alice installs "Notes Sync" for Bob                         | app does not allow choosing specific users  |
      | Alice adds "Deal Insights" to Hank                          | user of another company                     |
      | Carol authorizes "Deal Insights"                            | app not added to user                       |
      | Alice authorizes "Deal Insights"                            | already authorized                          |
      | Carol uninstalls "Deal Insights"                            | not installed                               |
      | Alice installs "Deal Insights"                              | already authorized                          |

  @X-03
  Scenario: An app added to all users reaches only that company
    When Alice installs "Notes Sync" for all users
    Then Bob sees "Notes Sync" as "Authorize app"
    And Hank does not have "Notes Sync"
    And Gina does not have "Notes Sync"
    And Hank gets no in-app notification
    And Hank does not see the notification bubble

  @X-03
  Scenario: Another company's installation changes nothing for this one
    Given Alice has installed "Deal Insights" for Bob
    When Gina installs "Deal Insights" for all users
    Then Hank sees "Deal Insights" as "Authorize app"
    And Carol does not have "Deal Insights"
    And Bob sees "Deal Insights" as "Authorize app"
    And Bob's JSON panel of "Deal Insights" acts on behalf of Alice

  @X-03
  Scenario: An admin cannot add an app to another company's user
    Given Alice has installed "Deal Insights" for Bob
    When Alice adds "Deal Insights" to Hank
    Then it is refused because "user of another company"
    And Hank does not have "Deal Insights"
