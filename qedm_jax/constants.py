"""Physical constants and unit conversions.

Units: GeV for every mass, energy and temperature (natural units, hbar = c = k_B = 1);
cross sections and <sigma v> in GeV^-2. Other units appear only here and at I/O, with the
unit in the name. Values are PDG 2024 (R.L. Workman et al., PTEP 2022 083C01 and updates)
unless stated.
"""

import math

# --- couplings -----------------------------------------------------------------------------
ALPHA_EM: float = 1.0 / 137.035999084  # fine-structure constant at q^2 = 0 (PDG)
ALPHA_EM_MZ: float = 1.0 / 127.951  # alpha(m_Z), MSbar (PDG 2024, 10.3)
ALPHA_S_MZ: float = 0.1180  # strong coupling at m_Z (PDG 2024)
SIN2_THETA_W: float = 0.23121  # sin^2 theta_W(m_Z), MSbar (PDG 2024)
G_FERMI: float = 1.1663788e-5  # Fermi constant [GeV^-2] (PDG)

# --- masses and widths [GeV] -----------------------------------------------------------------
M_E: float = 0.51099895e-3  # electron mass (PDG)
M_MU: float = 0.1056583755  # muon mass (PDG)
M_TAU: float = 1.77686  # tau mass (PDG)
M_PI_CHARGED: float = 0.13957039  # pi+- mass (PDG); hadronic threshold 2 m_pi
M_RHO: float = 0.77526  # rho(770) mass (PDG)
GAMMA_RHO: float = 0.1491  # rho(770) width (PDG)
M_OMEGA: float = 0.78266  # omega(782) mass (PDG)
GAMMA_OMEGA: float = 0.00868  # omega(782) width (PDG)
M_PHI: float = 1.019461  # phi(1020) mass (PDG)
GAMMA_PHI: float = 0.004249  # phi(1020) width (PDG)
M_D0: float = 1.86484  # D0 mass (PDG); open-charm threshold 2 m_D
M_B0: float = 5.27966  # B0 mass (PDG); open-bottom threshold 2 m_B
M_CHARM: float = 1.27  # charm quark MSbar mass m_c(m_c) (PDG)
M_BOTTOM: float = 4.18  # bottom quark MSbar mass m_b(m_b) (PDG)
M_TOP: float = 172.57  # top quark pole mass (PDG 2024)
M_Z: float = 91.1876  # Z boson mass (PDG)
GAMMA_Z: float = 2.4955  # Z boson total width (PDG)
M_W: float = 80.3692  # W boson mass (PDG 2024)

# --- gravity and cosmology -------------------------------------------------------------------
M_PL: float = 1.220890e19  # Planck mass G^-1/2 [GeV] (PDG)
M_PL_RED: float = M_PL / math.sqrt(8.0 * math.pi)  # reduced Planck mass [GeV]
T_CMB_K: float = 2.7255  # CMB temperature today [K] (Fixsen 2009)
K_BOLTZMANN_GEV_PER_K: float = 8.617333262e-14  # k_B [GeV/K] (CODATA 2018)
T_CMB: float = T_CMB_K * K_BOLTZMANN_GEV_PER_K  # CMB temperature today [GeV]
S0_CM3: float = 2891.2  # entropy density today s0 [cm^-3] for T_CMB = 2.7255 K (PDG 2024, 2.1)
RHO_CRIT_OVER_H2_GEV_CM3: float = 1.05371e-5  # critical density / h^2 [GeV cm^-3] (PDG 2024)
OMEGA_H2_PLANCK: float = 0.120  # Omega_DM h^2, Planck 2018 (arXiv:1807.06209, TT,TE,EE+lowE+lensing)

#: Omega h^2 = OMEGA_H2_PER_GEV_Y * m_chi[GeV] * Y_total, from s0 / (rho_c / h^2) [GeV^-1]
OMEGA_H2_PER_GEV_Y: float = S0_CM3 / RHO_CRIT_OVER_H2_GEV_CM3

# --- unit conversions ------------------------------------------------------------------------
HBARC_GEV_CM: float = 1.973269804e-14  # hbar c [GeV cm] (CODATA 2018)
C_CM_S: float = 2.99792458e10  # speed of light [cm/s]
GEV2_TO_MB: float = 0.3893793721  # 1 GeV^-2 in mb: (hbar c)^2
#: <sigma v> in GeV^-2 times this gives cm^3/s: (hbar c)^2 c
SIGMA_V_GEV2_TO_CM3_S: float = HBARC_GEV_CM**2 * C_CM_S
EULER_GAMMA: float = 0.5772156649015329  # Euler-Mascheroni constant


def sigma_v_cm3_s_to_gev2(sigma_v_cm3_s: float) -> float:
    """Convert <sigma v> from cm^3/s to GeV^-2 (factor (hbar c)^2 c = 1.1673e-17 cm^3 s^-1 GeV^2)."""
    return sigma_v_cm3_s / SIGMA_V_GEV2_TO_CM3_S


def sigma_v_gev2_to_cm3_s(sigma_v_gev2: float) -> float:
    """Convert <sigma v> from GeV^-2 to cm^3/s (factor (hbar c)^2 c = 1.1673e-17 cm^3 s^-1 GeV^2)."""
    return sigma_v_gev2 * SIGMA_V_GEV2_TO_CM3_S
